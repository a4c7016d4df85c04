namespace Osprey.Training.Training;

/// <summary>
/// Which of the model's four submodules a run updates. The paper's stages: 1 trains the projector
/// (image–text alignment), 2 the mask extractor (region–text), 3 projector + extractor + LLM with the
/// vision trunk frozen. <see cref="All"/> also trains the trunk, which a model initialised from scratch
/// needs (there is no pretrained CLIP trunk to keep).
/// </summary>
[Flags]
public enum TrainableModules
{
    None = 0,
    Llm = 1,
    VisionTrunk = 2,
    Projector = 4,
    MaskExtractor = 8,
    All = Llm | VisionTrunk | Projector | MaskExtractor,
}
