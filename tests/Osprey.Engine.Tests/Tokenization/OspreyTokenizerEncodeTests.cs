using Osprey.Engine.Tokenization;

namespace Osprey.Engine.Tests.Tokenization;

public class OspreyTokenizerEncodeTests
{
    private static OspreyTokenizer Tokenizer => SharedTokenizer.Value;

    [Fact]
    public void FixtureHasAllCases()
    {
        Assert.Equal(42, TokenizerCases.All.Count);
    }

    [Theory]
    [MemberData(nameof(TokenizerCases.Indices), MemberType = typeof(TokenizerCases))]
    public void EncodeMatchesOspreyPromptIds(int index)
    {
        var c = TokenizerCases.All[index];
        Assert.Equal(c.Ids, Tokenizer.Encode(c.Text));
    }

    [Theory]
    [MemberData(nameof(TokenizerCases.Indices), MemberType = typeof(TokenizerCases))]
    public void PlainSentencePieceMatchesReference(int index)
    {
        var c = TokenizerCases.All[index];
        Assert.Equal(c.PlainSpIds, Tokenizer.EncodeSentencePiece(c.Text));
    }

    [Fact]
    public void AMemoOfTextPiecesGivesTheSameIdsAndIsReusedAcrossPrompts()
    {
        var memo = new Dictionary<string, IReadOnlyList<int>>();
        foreach (var c in TokenizerCases.All) Assert.Equal(c.Ids, Tokenizer.Encode(c.Text, memo));
        // A second pass finds every piece in the memo and still gives the reference ids.
        var pieces = memo.Count;
        foreach (var c in TokenizerCases.All) Assert.Equal(c.Ids, Tokenizer.Encode(c.Text, memo, addBos: true));
        Assert.Equal(pieces, memo.Count);

        // Prompts that grow turn by turn share their earlier pieces.
        var turn1 = "USER: <image>\nWhat is region1<mask><pos>? ASSISTANT: a red circle</s>";
        var turn2 = turn1 + "USER: And its size? ASSISTANT: small</s>";
        var shared = new Dictionary<string, IReadOnlyList<int>>();
        Assert.Equal(Tokenizer.Encode(turn1), Tokenizer.Encode(turn1, shared));
        var afterFirst = shared.Count;
        Assert.Equal(Tokenizer.Encode(turn2), Tokenizer.Encode(turn2, shared));
        Assert.Equal(afterFirst + 1, shared.Count);
    }

    [Fact]
    public void EncodeWithoutBosDropsOnlyTheLeadingBos()
    {
        var text = "region1<mask><pos> and <s> inside";
        var withBos = Tokenizer.Encode(text);
        Assert.Equal(withBos[1..], Tokenizer.Encode(text, addBos: false));
    }

    [Fact]
    public void SpecialIdsMatchTheSpec()
    {
        Assert.Equal(1, Tokenizer.BosId);
        Assert.Equal(2, Tokenizer.EosId);
        Assert.Equal(32000, Tokenizer.MaskId);
        Assert.Equal(32001, Tokenizer.PosId);
        Assert.Equal(32002, Tokenizer.VocabSize);
        Assert.Equal(-200, OspreyTokenizer.ImageTokenId);
    }

    [Fact]
    public void IdToPieceNamesSentencePieceAndAddedPieces()
    {
        Assert.Equal("<s>", Tokenizer.IdToPiece(1));
        Assert.Equal("</s>", Tokenizer.IdToPiece(2));
        Assert.Equal("<0x0A>", Tokenizer.IdToPiece(13));
        Assert.Equal("\u2581Hello", Tokenizer.IdToPiece(15043));
        Assert.Equal("<mask>", Tokenizer.IdToPiece(32000));
        Assert.Equal("<pos>", Tokenizer.IdToPiece(32001));
        Assert.Equal("<image>", Tokenizer.IdToPiece(OspreyTokenizer.ImageTokenId));
        Assert.Throws<ArgumentOutOfRangeException>(() => Tokenizer.IdToPiece(32002));
        Assert.Throws<ArgumentOutOfRangeException>(() => Tokenizer.IdToPiece(-1));
    }
}
