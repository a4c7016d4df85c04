using Osprey.Engine.Tokenization;

namespace Osprey.Engine.Tests.Tokenization;

public sealed class OspreyTokenizerLoadTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("osprey-tokenizer-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void ModelDirectoryWithAddedTokensLoadsLikeTheBareModel()
    {
        var fromDir = OspreyTokenizer.Load(FixturePaths.OspreyTiny);
        var text = TokenizerCases.All.Last().Text;
        Assert.Equal(SharedTokenizer.Value.Encode(text), fromDir.Encode(text));
        Assert.Equal(32000, fromDir.MaskId);
        Assert.Equal(32001, fromDir.PosId);
    }

    [Fact]
    public void MissingFileIsATypedError()
    {
        var e = Assert.Throws<TokenizerLoadException>(() => OspreyTokenizer.Load(Path.Combine(_dir, "nope.model")));
        Assert.Contains("not found", e.Message);
        Assert.Throws<TokenizerLoadException>(() => OspreyTokenizer.Load(_dir));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void CorruptModelIsATypedError(int variant)
    {
        var path = Path.Combine(_dir, "tokenizer.model");
        var original = File.ReadAllBytes(FixturePaths.TokenizerModel);
        byte[] bytes = variant switch
        {
            0 => [],
            1 => original[..(original.Length / 2)],
            _ => System.Text.Encoding.UTF8.GetBytes("this is not a protobuf"),
        };
        File.WriteAllBytes(path, bytes);
        Assert.Throws<TokenizerLoadException>(() => OspreyTokenizer.Load(_dir));
    }

    [Theory]
    [InlineData("{\"<mask>\": 32000}")]
    [InlineData("{\"<mask>\": 32001, \"<pos>\": 32003}")]
    [InlineData("{\"<mask>\": 32000, \"<pos>\": 32001, \"<region>\": 32002}")]
    [InlineData("[1, 2]")]
    public void InvalidAddedTokensAreATypedError(string json)
    {
        File.Copy(FixturePaths.TokenizerModel, Path.Combine(_dir, "tokenizer.model"));
        File.WriteAllText(Path.Combine(_dir, "added_tokens.json"), json);
        Assert.Throws<TokenizerLoadException>(() => OspreyTokenizer.Load(_dir));
    }

    [Fact]
    public void SwappedAddedTokenIdsAreHonoured()
    {
        File.Copy(FixturePaths.TokenizerModel, Path.Combine(_dir, "tokenizer.model"));
        File.WriteAllText(Path.Combine(_dir, "added_tokens.json"), "{\"<mask>\": 32001, \"<pos>\": 32000}");
        var tokenizer = OspreyTokenizer.Load(_dir);
        Assert.Equal([1, 32001, 32000], tokenizer.Encode("<mask><pos>"));
        Assert.Equal("<mask>", tokenizer.IdToPiece(32001));
    }
}
