using Osprey.Engine.Prompting;
using Osprey.Engine.Tests.Tokenization;

namespace Osprey.Engine.Tests.Prompting;

public class ConversationTemplateTests
{
    [Fact]
    public void AllFourFixtureCasesAreRead()
    {
        Assert.Equal(4, PromptCases.All.Count);
        Assert.Contains(PromptCases.All.Values, c => c.Turns.Length > 1);
    }

    [Theory]
    [MemberData(nameof(PromptCases.Names), MemberType = typeof(PromptCases))]
    public void BuildReproducesTheFixturePrompt(string name)
    {
        var c = PromptCases.All[name];
        Assert.Equal(c.Prompt, ConversationTemplate.Build(c.Turns));
    }

    [Theory]
    [MemberData(nameof(PromptCases.Names), MemberType = typeof(PromptCases))]
    public void TokenizedPromptEqualsTheFixtureInputIds(string name)
    {
        var c = PromptCases.All[name];
        Assert.Equal(c.InputIds, SharedTokenizer.Value.Encode(ConversationTemplate.Build(c.Turns)));
    }

    [Theory]
    [MemberData(nameof(PromptCases.Names), MemberType = typeof(PromptCases))]
    public void SharedImagePrefixIdsArePrefixOfEveryPrompt(string name)
    {
        var c = PromptCases.All[name];
        Assert.StartsWith(ConversationTemplate.SharedImagePrefix, c.Prompt, StringComparison.Ordinal);
        var prefix = SharedTokenizer.Value.Encode(ConversationTemplate.SharedImagePrefix);
        Assert.True(prefix.Length < c.InputIds.Length);
        Assert.Equal(prefix, c.InputIds[..prefix.Length]);
        Assert.Single(prefix, id => id == Osprey.Engine.Tokenization.OspreyTokenizer.ImageTokenId);
        Assert.Equal("<0x0A>", SharedTokenizer.Value.IdToPiece(prefix[^1]));
    }

    [Theory]
    [MemberData(nameof(PromptCases.Names), MemberType = typeof(PromptCases))]
    public void PromptHasOnePairPerFixtureMask(string name)
    {
        var c = PromptCases.All[name];
        Assert.Equal(c.MaskCount, RegionReference.CountPairs(c.Prompt));
        RegionReference.EnsureMatches(c.Prompt, c.MaskCount);
    }

    [Fact]
    public void FirstUserMessageAndCommonQuestionsComposeTheShortDescriptionPrompt()
    {
        var p1 = PromptCases.All["p1_shapes_640x480"];
        var built = ConversationTemplate.Build([new ConversationTurn(ConversationTemplate.FirstUserMessage(DescriptionQuestions.Short))]);
        Assert.Equal(p1.Prompt, built);
        Assert.EndsWith(DescriptionQuestions.Detailed + " ASSISTANT:",
            ConversationTemplate.Build([new ConversationTurn(ConversationTemplate.FirstUserMessage(DescriptionQuestions.Detailed))]));
    }

    [Fact]
    public void RegionNamesAreNumberedFromOne()
    {
        var p2 = PromptCases.All["p2_tiny_37x53"];
        var question = $"What is the difference between {RegionReference.Introduced(1)} and {RegionReference.Introduced(2)}?";
        Assert.Equal(p2.Prompt, ConversationTemplate.Build([new ConversationTurn(ConversationTemplate.FirstUserMessage(question))]));
        Assert.Throws<ArgumentOutOfRangeException>(() => RegionReference.Name(0));
        Assert.Equal("region2", RegionReference.Name(2));
    }

    [Fact]
    public void AnsweredLastTurnClosesWithEndOfSentence()
    {
        var prompt = ConversationTemplate.Build([new ConversationTurn(ConversationTemplate.FirstUserMessage("Hi"), "Hello.")]);
        Assert.EndsWith(" ASSISTANT: Hello.</s>", prompt);
    }

    [Fact]
    public void MalformedConversationsAreRejected()
    {
        var first = ConversationTemplate.FirstUserMessage("q");
        Assert.Throws<ArgumentException>(() => ConversationTemplate.Build([]));
        Assert.Throws<ArgumentException>(() => ConversationTemplate.Build([new ConversationTurn("no image intro")]));
        Assert.Throws<ArgumentException>(() => ConversationTemplate.Build([new ConversationTurn(first), new ConversationTurn("next")]));
        Assert.Throws<ArgumentException>(() => ConversationTemplate.Build([new ConversationTurn(first, "a"), new ConversationTurn("<image> again")]));
    }
}
