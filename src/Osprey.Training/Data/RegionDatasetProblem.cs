namespace Osprey.Training.Data;

/// <summary>What is wrong with a rejected dataset record.</summary>
public enum RegionDatasetProblem
{
    /// <summary>The file is not JSON, or not a list of records.</summary>
    MalformedJson,
    /// <summary>A required field is absent or has the wrong JSON type.</summary>
    MissingField,
    /// <summary>A segmentation is neither a valid COCO RLE nor a list of polygons.</summary>
    BadSegmentation,
    /// <summary>A segmentation's size, or the image's decoded size, disagrees with the record's height × width.</summary>
    SizeMismatch,
    /// <summary>The number of region placeholders in the conversation differs from the number of regions.</summary>
    PlaceholderCountMismatch,
    /// <summary>Turns are empty, do not alternate human/gpt starting with human, or do not end with an answer.</summary>
    BadConversation,
    /// <summary>The image file the record names does not exist.</summary>
    MissingImage,
}
