namespace Osprey.Training.Pretraining;

/// <summary>Running accuracy of the attribute heads between two progress lines.</summary>
public sealed class AttributeAccuracy
{
    private int _regions;
    private int _category;
    private int _colour;
    private int _size;
    private int _position;
    private double _logAreaError;

    public void Add(RegionAttributeBatch batch)
    {
        _regions += batch.Regions;
        _category += batch.CategoryCorrect;
        _colour += batch.ColourCorrect;
        _size += batch.SizeCorrect;
        _position += batch.PositionCorrect;
        _logAreaError += batch.LogAreaError;
    }

    public string Line() =>
        _regions == 0 ? "" : $"category {Percent(_category)}  colour {Percent(_colour)}  size {Percent(_size)}  position {Percent(_position)}  " +
                           $"log-area error {_logAreaError / _regions:F3}  ({_regions} regions)";

    private string Percent(int correct) => $"{100.0 * correct / _regions:F0}%";
}
