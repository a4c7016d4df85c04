using System.CommandLine;
using Osprey.Engine;
using Osprey.Engine.Config;
using Osprey.Engine.Devices;
using Osprey.Engine.Multimodal;
using Osprey.Engine.Tokenization;
using Osprey.Training.Data;
using Osprey.Training.Pretraining;
using Osprey.Training.Synthetic;
using Osprey.Training.Synthetic.QuestionFamilies;
using Osprey.Training.Training;

namespace Osprey.Cli.Commands;

/// <summary>
/// <c>osprey train</c>: trains a new model (<c>--config</c>) or continues a model directory
/// (<c>--init-from</c>) on a mask–text file or on synthetic scenes; <c>--resume</c> continues the run in
/// <c>--out</c> exactly where its last checkpoint left it.
/// </summary>
public static class TrainCommand
{
    public static Command Create()
    {
        var config = new Option<string?>("--config") { Description = "config.json of a new model (initialised from --seed)" };
        var initFrom = new Option<string?>("--init-from") { Description = "Model directory whose weights training starts from" };
        var data = new Option<string?>("--data") { Description = "Osprey-724K-style JSON file" };
        var imageFolder = new Option<string?>("--image-folder") { Description = "Folder of the --data images (default: the JSON file's folder)" };
        var synthetic = new Option<int?>("--synthetic") { Description = "Train on N synthetic questions per epoch" };
        var sceneSize = new Option<int>("--scene-size") { Description = "Side of synthetic scenes in pixels", DefaultValueFactory = _ => 128 };
        var layout = new Option<string>("--synthetic-layout")
        {
            Description = "conversations: Osprey's multi-region conversations as the gateway serves them (regions introduced in the first turn, " +
                          "named regionK, 1-8 questions with and without the short-answer suffix, plus the demo's single-region description); " +
                          "per-question: every question its own, regions inline at their mention (the layout of the default model's first rounds)",
            DefaultValueFactory = _ => "conversations",
        };
        var minRegions = new Option<int>("--conversation-min-regions")
        {
            Description = "Conversations layout: fewest regions per conversation when the scene has that many objects (1..4)",
            DefaultValueFactory = _ => 1,
        };
        var conversationQuestions = new Option<int>("--conversation-questions")
        {
            Description = "Conversations layout: questions per conversation, 1..24 (0 draws 1..8)",
            DefaultValueFactory = _ => 0,
        };
        var boxShare = new Option<double>("--conversation-box-share")
        {
            Description = "Conversations layout: share of regions marked by the filled bounding box of their visible pixels, as the web app's box tool marks them (0..1)",
            DefaultValueFactory = _ => 0,
        };
        var overlapShare = new Option<double>("--scene-overlap-share")
        {
            Description = "Synthetic scenes: share of objects after the first drawn over an earlier one, for more partly hidden objects (0..1)",
            DefaultValueFactory = _ => 0,
        };
        var singleQuestions = new Option<bool>("--single-questions") { Description = "Per-question layout: one question per synthetic conversation (default: a scene's questions form one multi-turn conversation)" };
        var families = new Option<string?>("--families") { Description = "Synthetic question families to train on, a comma list (default: all)" };
        var familyWeights = new Option<string?>("--family-weights") { Description = "Ask some synthetic families more often, e.g. yesno=3,comparison=3 (default: all alike)" };
        var largerShare = new Option<double>("--comparison-larger-share")
        {
            Description = "Share of synthetic comparison questions that ask which region is larger (the rest: smaller)",
            DefaultValueFactory = _ => 0.5,
        };
        var wordTiedOrder = new Option<double>("--comparison-word-tied-order")
        {
            Description = "Share of synthetic comparison questions answered by the region named first when asking \"larger\" (the second when asking \"smaller\")",
            DefaultValueFactory = _ => 0.5,
        };
        var focusShare = new Option<double>("--yesno-focus-share")
        {
            Description = $"Share of synthetic yes/no questions that ask whether the region is {YesNoFamily.FocusColour.Name}",
            DefaultValueFactory = _ => 0,
        };
        var yesNoQuestions = new Option<int>("--yesno-questions")
        {
            Description = $"Synthetic yes/no questions asked about a scene in one conversation (1..{QuestionMixture.MaxYesNoQuestions})",
            DefaultValueFactory = _ => 1,
        };
        var yesNoWordTied = new Option<double>("--yesno-word-tied")
        {
            Description = "Share of synthetic yes/no questions answered \"yes\" when asking a word of the half that leans yes (\"no\" for the other half)",
            DefaultValueFactory = _ => 0.5,
        };
        var yesNoKinds = new Option<string>("--yesno-kinds")
        {
            Description = "What synthetic yes/no questions ask about: both, colour or category",
            DefaultValueFactory = _ => "both",
        };
        var recallPerStep = new Option<int>("--recall-conversations")
        {
            Description = "Region-recall conversations (text only: find regionK in the first turn, copy what followed it) whose loss is added to every step; 0: none",
            DefaultValueFactory = _ => 0,
        };
        var recallWeight = new Option<double>("--recall-weight") { Description = "Weight of the region-recall loss", DefaultValueFactory = _ => 1.0 };
        var recallRegions = new Option<int>("--recall-max-regions") { Description = "Most regions per recall conversation (1..9)", DefaultValueFactory = _ => 4 };
        var recallQuestions = new Option<int>("--recall-questions") { Description = "Questions per recall conversation", DefaultValueFactory = _ => 8 };
        var regionAttentionWeight = new Option<double>("--region-attention-weight")
        {
            Description = "Weight of a term teaching one head to attend, at each answer about regionK, to the <mask><pos> pair the first turn introduced as regionK; 0: none",
            DefaultValueFactory = _ => 0,
        };
        var regionAttentionLayer = new Option<int?>("--region-attention-layer") { Description = "Layer of that head (default: the last)" };
        var regionAttentionHead = new Option<int>("--region-attention-head") { Description = "That head (-1: every head of the layer)", DefaultValueFactory = _ => 0 };
        var regionAttentionAfter = new Option<bool>("--region-attention-after-pair") { Description = "Teach attention to the token after the region's <mask><pos> pair instead of the pair" };
        var regionAttentionCircuit = new Option<bool>("--region-attention-circuit")
        {
            Description = "Also teach layer 0 the lookup's inputs: head 0 at each <mask> looks at the number before it, head 1 at each answer at the number its question named",
        };
        var regionAttentionWord = new Option<bool>("--region-attention-word")
        {
            Description = "Also teach layer 0's head 2 at each answer to look at the words its question asks about the region (\"red\" in \"Is region3 red?\")",
        };
        var output = new Option<string>("--out") { Description = "Output model directory (checkpoints in OUT/resume)", Required = true };
        var stage = new Option<string>("--stage") { Description = "1 (projector), 2 (mask extractor), 3 (projector + extractor + LLM), all, or a comma list of modules", DefaultValueFactory = _ => "all" };
        var resume = new Option<bool>("--resume") { Description = "Continue from OUT/resume" };
        var optimization = new OptimizationOptions(defaultLearningRate: 1e-3, batchDescription: "Conversations per step");
        var visionLr = new Option<double>("--vision-lr-scale")
        {
            Description = "Multiplies the learning rate of the vision trunk, projector and mask extractor",
            DefaultValueFactory = _ => 1.0,
        };
        var saveDType = new Option<string>("--save-dtype") { Description = "dtype of the exported model in OUT: bf16 | fp32", DefaultValueFactory = _ => "bf16" };
        var threads = ComputeThreads.Create();
        var layerScale = new Option<double?>("--layer-scale")
        {
            Description = $"Initial ConvNeXt layer scale of a new model (--config; default {ParameterInitializer.DefaultLayerScale})",
        };
        var tokenizer = new Option<string?>("--tokenizer") { Description = "tokenizer.model for --config (default: the default model's)" };

        var command = new Command("train", "Train an Osprey model (next-token loss on answers, AdamW, warm-up + cosine)")
        {
            config, initFrom, data, imageFolder, synthetic, sceneSize, overlapShare, layout, minRegions, conversationQuestions, boxShare, singleQuestions, families, familyWeights, largerShare, wordTiedOrder, focusShare, yesNoQuestions, yesNoWordTied, yesNoKinds,
            recallPerStep, recallWeight, recallRegions, recallQuestions,
            regionAttentionWeight, regionAttentionLayer, regionAttentionHead, regionAttentionAfter, regionAttentionCircuit, regionAttentionWord,
            output, stage, resume, visionLr,
            saveDType, layerScale, tokenizer, threads,
        };
        optimization.AddTo(command);
        command.SetAction((result, cancellationToken) => CliErrors.Guard(() =>
        {
            var outDir = result.GetValue(output)!;
            var options = optimization.Bind(result, TrainingStage.Parse(result.GetValue(stage)!), result.GetValue(visionLr));
            ComputeThreads.Apply(result, threads, options.Workers);
            NativeHeap.KeepFreedBlocks();
            var resumeDir = Path.Combine(outDir, Trainer.ResumeDirectoryName);
            var resuming = result.GetValue(resume);
            if (resuming && !Directory.Exists(resumeDir))
                throw new DirectoryNotFoundException($"--resume: no checkpoint in {resumeDir}");
            var startDir = resuming ? resumeDir : result.GetValue(initFrom);
            if (startDir is null == (result.GetValue(config) is null) && !resuming)
                throw new ArgumentException("give exactly one of --config (new model) and --init-from DIR");
            if (startDir is not null && result.GetValue(layerScale) is not null)
                throw new ArgumentException("--layer-scale initialises a new model: use it with --config, not with --init-from or --resume");
            var mixture = new QuestionMixture
            {
                FamilyWeights = result.GetValue(familyWeights) is { } weights ? QuestionMixture.ParseWeights(weights) : new Dictionary<string, double>(),
                ComparisonLargerShare = result.GetValue(largerShare),
                ComparisonWordTiedOrder = result.GetValue(wordTiedOrder),
                YesNoFocusShare = result.GetValue(focusShare),
                YesNoQuestions = result.GetValue(yesNoQuestions),
                YesNoWordTied = result.GetValue(yesNoWordTied),
                YesNoKinds = ParseKinds(result.GetValue(yesNoKinds)!),
            };
            mixture.Validate();
            if ((result.GetValue(families) is not null || !mixture.IsBalanced) && result.GetValue(synthetic) is null)
                throw new ArgumentException("--families, --family-weights and the comparison and yes/no options shape synthetic questions: use them with --synthetic");
            var conversations = result.GetValue(layout)!.Trim().ToLowerInvariant() switch
            {
                "conversations" => true,
                "per-question" => false,
                var other => throw new ArgumentException($"--synthetic-layout: use conversations or per-question, got '{other}'"),
            };
            // Conversations take the comparison and yes/no word leanings and the yes/no kinds; the yes/no focus and count shape per-question rounds.
            if (conversations && !(mixture with
                {
                    FamilyWeights = QuestionMixture.Balanced.FamilyWeights, YesNoWordTied = 0.5, YesNoKinds = YesNoKinds.Both,
                    ComparisonLargerShare = 0.5, ComparisonWordTiedOrder = 0.5,
                }).IsBalanced)
                throw new ArgumentException("the yes/no focus and count shape the per-question layout: add --synthetic-layout per-question");
            if (!conversations && (result.GetValue(minRegions) != 1 || result.GetValue(conversationQuestions) != 0 || result.GetValue(boxShare) != 0))
                throw new ArgumentException("--conversation-min-regions, --conversation-questions and --conversation-box-share shape the conversations layout, not per-question data");
            if (result.GetValue(recallPerStep) < 0)
                throw new ArgumentException("--recall-conversations: 0 (none) or more");
            if (result.GetValue(recallPerStep) > 0) RecallMix.RequireSingleWorker(options.Workers);
            if (conversations && result.GetValue(singleQuestions))
                throw new ArgumentException("--single-questions shapes the per-question layout: add --synthetic-layout per-question");

            if (result.GetValue(regionAttentionWeight) < 0) throw new ArgumentException("--region-attention-weight: 0 (none) or more");
            if (result.GetValue(regionAttentionWeight) == 0 && (result.GetValue(regionAttentionLayer) is not null || result.GetValue(regionAttentionHead) != 0
                    || result.GetValue(regionAttentionAfter) || result.GetValue(regionAttentionCircuit) || result.GetValue(regionAttentionWord)))
                throw new ArgumentException("the --region-attention-* options shape the region-attention term: give it a weight with --region-attention-weight");

            OspreyEngine? engine = null;
            OspreyModel model;
            OspreyTokenizer tok;
            string tokenizerPath;
            if (startDir is not null)
            {
                engine = OspreyEngine.Load(startDir, EngineOptions.Cpu32);
                (model, tok) = (engine.Model, engine.Tokenizer);
                // Checkpoints replace OUT/resume, so a resumed run copies the tokenizer from the exported OUT.
                var exported = Path.Combine(outDir, "tokenizer.model");
                tokenizerPath = resuming && File.Exists(exported) ? exported : Path.Combine(startDir, "tokenizer.model");
                Console.Error.WriteLine($"starting from {startDir}");
            }
            else
            {
                tokenizerPath = TokenizerLocation.Resolve(result.GetValue(tokenizer));
                tok = OspreyTokenizer.Load(tokenizerPath);
                model = FreshModel.Create(OspreyConfig.Load(result.GetValue(config)!), tok, options.Seed,
                    result.GetValue(layerScale) ?? ParameterInitializer.DefaultLayerScale);
                Console.Error.WriteLine($"new model from {result.GetValue(config)}, initialised with seed {options.Seed}");
            }
            try
            {
                var scenes = new SceneOptions { ImageSize = result.GetValue(sceneSize), OverlapShare = result.GetValue(overlapShare) };
                scenes.Validate();
                ITrainingSource source = result.GetValue(data) is { } dataPath
                    ? new RecordTrainingSource(new RegionDatasetLoader().Load(dataPath, result.GetValue(imageFolder)), options.Seed)
                    : result.GetValue(synthetic) is { } n && conversations
                        ? ConversationSource(n, options.Seed, scenes, result.GetValue(families), mixture,
                            result.GetValue(minRegions), result.GetValue(conversationQuestions), result.GetValue(boxShare))
                    : result.GetValue(synthetic) is { } m
                        ? new SyntheticTrainingSource(m, options.Seed, scenes,
                            mergeScenes: !result.GetValue(singleQuestions),
                            families: result.GetValue(families) is { } names ? SyntheticDatasetBuilder.FamiliesNamed(names) : null, mixture)
                        : throw new ArgumentException("give --data FILE or --synthetic N");
                var recall = result.GetValue(recallPerStep) is > 0 and var perStep
                    ? new RecallMix(new RegionRecallSequences(tok, InductionPretrainer.Pool(tok), result.GetValue(recallRegions), result.GetValue(recallQuestions)),
                        perStep, result.GetValue(recallWeight))
                    : null;
                if (result.GetValue(regionAttentionWeight) is > 0 and var attentionWeight)
                    options = options with
                    {
                        RegionAttention = new RegionAttention(attentionWeight,
                            result.GetValue(regionAttentionLayer) ?? model.llm.Config.NumLayers - 1, result.GetValue(regionAttentionHead),
                            result.GetValue(regionAttentionAfter), result.GetValue(regionAttentionCircuit), result.GetValue(regionAttentionWord)),
                    };
                using var trainer = new Trainer(model, tok, tokenizerPath, source, options, outDir, Console.Out, recall)
                {
                    ExportDType = DTypeName.Parse(result.GetValue(saveDType)!),
                };
                if (resuming)
                {
                    trainer.RestoreOptimizerAndStep(resumeDir);
                    Console.Error.WriteLine($"resuming at step {trainer.Step}");
                }
                var parameters = trainer.TrainableParameters.Sum(p => p.numel());
                Console.Error.WriteLine($"training {options.Modules} ({parameters:N0} parameters) on {source.Count} examples per epoch, " +
                                        $"{options.Steps} steps of {options.BatchSize}");
                trainer.Run(cancellationToken);
                Console.Error.WriteLine($"done: {outDir}");
            }
            finally
            {
                if (engine is not null) engine.Dispose();
                else model.Dispose();
            }
            return Task.FromResult(0);
        }));
        return command;
    }

    private static RegionConversationSource ConversationSource(int conversations, long seed, SceneOptions scenes, string? familyNames, QuestionMixture mixture,
        int minRegions, int questions, double boxShare)
    {
        var chosen = familyNames is not null ? SyntheticDatasetBuilder.FamiliesNamed(familyNames) : null;
        return new RegionConversationSource(conversations, seed, scenes, chosen, mixture,
            minRegions: minRegions, questions: questions, boxShare: boxShare);
    }

    private static YesNoKinds ParseKinds(string text) => text.Trim().ToLowerInvariant() switch
    {
        "both" => YesNoKinds.Both,
        "colour" or "color" => YesNoKinds.Colour,
        "category" => YesNoKinds.Category,
        _ => throw new ArgumentException($"--yesno-kinds: use both, colour or category, got '{text}'"),
    };
}
