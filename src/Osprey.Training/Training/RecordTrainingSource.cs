using Osprey.Engine.Imaging;
using Osprey.Training.Data;
using Osprey.Training.Synthetic;

namespace Osprey.Training.Training;

/// <summary>Records of an Osprey-724K-style file, reshuffled every epoch by a permutation seeded by (seed, epoch).</summary>
public sealed class RecordTrainingSource : ITrainingSource
{
    private readonly IReadOnlyList<RegionConversationRecord> _records;
    private readonly long _seed;
    private readonly ImageDecoder _decoder = new();
    private long _epoch = -1;
    private int[] _order = [];

    public RecordTrainingSource(IReadOnlyList<RegionConversationRecord> records, long seed)
    {
        if (records.Count == 0) throw new ArgumentException("the dataset has no records", nameof(records));
        _records = records;
        _seed = seed;
    }

    public int Count => _records.Count;

    /// <summary>Count and content, not location: a dataset moved to another folder resumes.</summary>
    public string Description => $"records: {Count}, content {ContentHash():x16}";

    /// <summary>FNV-1a over image file names and conversation texts: another dataset gives another hash.</summary>
    private ulong ContentHash()
    {
        ulong hash = 14695981039346656037;
        void Add(string text)
        {
            foreach (var c in text) hash = (hash ^ c) * 1099511628211;
            hash = (hash ^ 0xFFFF) * 1099511628211;
        }
        foreach (var record in _records)
        {
            Add(Path.GetFileName(record.ImagePath));
            foreach (var turn in record.Conversations) Add(turn.Value);
        }
        return hash;
    }

    public TrainingExample Get(long sampleNumber)
    {
        var epoch = sampleNumber / Count;
        if (epoch != _epoch)
        {
            _order = Permutation(Count, SeededRandom.Derive(_seed, epoch, purpose: 0x7265));
            _epoch = epoch;
        }
        var record = _records[_order[sampleNumber % Count]];
        return TrainingExample.FromRecord(record, record.LoadImage(_decoder));
    }

    private static int[] Permutation(int n, SeededRandom rng)
    {
        var order = Enumerable.Range(0, n).ToArray();
        for (int i = n - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }
}
