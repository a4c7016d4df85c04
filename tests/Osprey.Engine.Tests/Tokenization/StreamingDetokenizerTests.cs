using System.Text;
using Osprey.Engine.Tokenization;

namespace Osprey.Engine.Tests.Tokenization;

public class StreamingDetokenizerTests
{
    private static OspreyTokenizer Tokenizer => SharedTokenizer.Value;

    public static TheoryData<string> Texts() => new()
    {
        "Emoji 😀👍🏽 and 🦅 osprey",
        "日本語のテキスト、中文文本测试 and 한국어 텍스트입니다",
        "naïve café résumé Ångström — Øresund, Straße, ﬁne",
        "🦅🦅🦅",
        "line one\n\ttabbed 🏳️‍🌈 flag\n",
        " leading space and trailing ",
    };

    [Theory]
    [MemberData(nameof(Texts))]
    public void StreamedPiecesConcatenateToTheFullDecode(string text)
    {
        var ids = Tokenizer.Encode(text).Append(Tokenizer.EosId).ToArray();
        var pieces = StreamAll(ids);
        Assert.Equal(Tokenizer.Decode(ids), string.Concat(pieces));
        Assert.Equal(text, string.Concat(pieces));
        Assert.All(pieces, AssertWellFormed);
    }

    [Fact]
    public void ByteFallbackCharacterIsHeldUntilItsLastByte()
    {
        var streaming = new StreamingDetokenizer(Tokenizer);
        // 😀 = <0xF0><0x9F><0x98><0x80> = ids 243 162 155 131
        Assert.Equal("", streaming.Push(243));
        Assert.Equal("", streaming.Push(162));
        Assert.Equal("", streaming.Push(155));
        Assert.Equal("😀", streaming.Push(131));
        Assert.Equal("", streaming.Flush());
    }

    [Theory]
    [MemberData(nameof(TokenizerCases.Indices), MemberType = typeof(TokenizerCases))]
    public void FixtureIdsStreamToTheirFullDecode(int index)
    {
        var ids = TokenizerCases.All[index].Ids;
        Assert.Equal(Tokenizer.Decode(ids), string.Concat(StreamAll(ids)));
    }

    [Fact]
    public void ArbitraryIdSequencesStreamToTheirFullDecode()
    {
        // Random mixes weighted towards byte pieces (ids 3..258) produce truncated and
        // interleaved UTF-8 sequences that real generation can emit.
        var random = new Random(7);
        for (var trial = 0; trial < 300; trial++)
        {
            var ids = new int[random.Next(1, 24)];
            for (var i = 0; i < ids.Length; i++)
            {
                ids[i] = random.Next(4) switch
                {
                    0 => random.Next(0, Tokenizer.VocabSize),
                    1 => 3 + 0xF0 + random.Next(0, 5),
                    _ => 3 + random.Next(0x80, 0xC0),
                };
            }
            Assert.Equal(Tokenizer.Decode(ids), string.Concat(StreamAll(ids)));
        }
    }

    private static List<string> StreamAll(IEnumerable<int> ids)
    {
        var streaming = new StreamingDetokenizer(Tokenizer);
        var pieces = ids.Select(streaming.Push).ToList();
        pieces.Add(streaming.Flush());
        return pieces;
    }

    private static void AssertWellFormed(string piece)
    {
        Assert.DoesNotContain('\uFFFD', piece);
        // Strict UTF-16 → UTF-8 conversion throws on a lone surrogate.
        new UTF8Encoding(false, throwOnInvalidBytes: true).GetBytes(piece);
    }
}
