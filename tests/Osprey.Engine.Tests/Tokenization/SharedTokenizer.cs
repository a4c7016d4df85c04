using Osprey.Engine.Tokenization;

namespace Osprey.Engine.Tests.Tokenization;

/// <summary>One tokenizer over the fixture <c>tokenizer.model</c>, loaded once for all tests.</summary>
public static class SharedTokenizer
{
    private static readonly Lazy<OspreyTokenizer> Instance = new(() => OspreyTokenizer.Load(FixturePaths.TokenizerModel));

    public static OspreyTokenizer Value => Instance.Value;
}
