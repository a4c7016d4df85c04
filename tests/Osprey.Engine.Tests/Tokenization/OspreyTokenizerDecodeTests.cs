using Osprey.Engine.Tokenization;

namespace Osprey.Engine.Tests.Tokenization;

public class OspreyTokenizerDecodeTests
{
    private static OspreyTokenizer Tokenizer => SharedTokenizer.Value;

    private static readonly string[] SpecialLiterals = ["<image>", "<mask>", "<pos>", "</s>", "<s>"];

    private static IEnumerable<int> PlainTextIndices() =>
        Enumerable.Range(0, TokenizerCases.All.Count)
            .Where(i => !SpecialLiterals.Any(TokenizerCases.All[i].Text.Contains));

    public static TheoryData<int> PlainTextCases() => new(PlainTextIndices());

    [Theory]
    [MemberData(nameof(PlainTextCases))]
    public void DecodeOfReferenceIdsGivesBackTheText(int index)
    {
        var c = TokenizerCases.All[index];
        Assert.Equal(c.Text, Tokenizer.Decode(c.Ids));
        Assert.Equal(c.Text, Tokenizer.Decode(c.PlainSpIds));
    }

    [Fact]
    public void PlainTextCasesCoverByteFallbackAndCjk()
    {
        var texts = PlainTextIndices().Select(i => TokenizerCases.All[i].Text).ToList();
        Assert.Contains(texts, t => t.Contains("😀"));
        Assert.Contains(texts, t => t.Contains('텍'));
        Assert.Contains(texts, t => t.Contains('日'));
    }

    [Fact]
    public void DecodeSkipsSpecialAndPlaceholderIds()
    {
        // Each segment after a special token carries its own dummy-prefix "▁", which decodes to a space.
        var ids = Tokenizer.Encode("<image>\nregion1<mask><pos>is a bird</s>");
        Assert.Contains(32000, ids);
        Assert.Equal("\nregion1 is a bird", Tokenizer.Decode(ids));
    }

    [Fact]
    public void OnlyOneDummyPrefixSpaceIsDropped()
    {
        // "▁", "▁leading", "▁space": the first "▁" is the dummy prefix, the second a real space.
        Assert.Equal(" leading space", Tokenizer.Decode([29871, 8236, 2913]));
        // After text has been written, a leading "▁" is a real space.
        Assert.Equal("Hello world", Tokenizer.Decode([1, 15043, 3186, 2]));
    }

    [Fact]
    public void IllFormedByteRunsGiveOneReplacementPerByteAsSentencePieceDoes()
    {
        // <0xF0><0x9F><0x98> is a truncated 4-byte sequence, followed by "▁and".
        Assert.Equal("\uFFFD\uFFFD\uFFFD and", Tokenizer.Decode([243, 162, 155, 322]));
        // A lone continuation byte, then a complete "😀".
        Assert.Equal("\uFFFD😀", Tokenizer.Decode([131, 243, 162, 155, 131]));
    }

    [Fact]
    public void DecodeRejectsIdsOutsideTheVocabulary()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Tokenizer.Decode([15043, 32002]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Tokenizer.Decode([-5]));
    }
}
