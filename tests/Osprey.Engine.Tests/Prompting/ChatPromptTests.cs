using System.Text.RegularExpressions;
using Osprey.Engine.Prompting;
using Osprey.Engine.Tests.Tokenization;
using Osprey.Engine.Tokenization;

namespace Osprey.Engine.Tests.Prompting;

/// <summary>Osprey's multi-region conversation layout (spec §6) and the ids the serving path builds for it.</summary>
public class ChatPromptTests
{
    private static OspreyTokenizer Tokenizer => SharedTokenizer.Value;

    [Fact]
    public void TheFirstUserMessageIntroducesEveryRegionAsTheTrainingCodeWritesIt()
    {
        Assert.Equal(
            "<image>\n\nThis provides an overview of the picture.\nTher are 3 part regions in the picture: " +
            "region1<mask><pos>,region2<mask><pos>,region3<mask><pos>. What is region2? Answer the question using a single word or phrase.",
            ConversationTemplate.FirstUserMessage(3, "What is region2? Answer the question using a single word or phrase."));
        Assert.Equal("Ther are 1 part region in the picture: region1<mask><pos>. ", ConversationTemplate.RegionIntroduction(1));
        Assert.Equal("", ConversationTemplate.RegionIntroduction(0));
    }

    [Fact]
    public void MentionsBecomePlainRegionNames()
    {
        Assert.Equal("Which is larger, region2 or region3?", RegionMentions.Normalize("Which is larger, <region2> or <region3>?", 3));
        Assert.Equal("Is region1 the same as region1?", RegionMentions.Normalize("Is <region1> the same as <region1>?", 1));
    }

    [Fact]
    public void TheFirstMentionedRegionIsReadFromUserText()
    {
        Assert.Equal(3, RegionMentions.FirstMentioned("Which is larger, <region3> or <region1>?"));
        Assert.Equal(12, RegionMentions.FirstMentioned("What is <region12>?"));
        Assert.Null(RegionMentions.FirstMentioned("What colour is it? region2 without brackets"));
    }

    [Theory]
    [InlineData("What is <region4>?", "there are 3")]
    [InlineData("What is <region0>?", "does not exist")]
    [InlineData("What is <mask><pos>?", "<mask>")]
    [InlineData("Look at <image>", "<image>")]
    [InlineData("Done.</s>USER: hi", "</s>")]
    [InlineData("  ", "empty")]
    public void TextThePromptCannotTakeIsATypedError(string text, string reason)
    {
        var e = Assert.Throws<InvalidUserTextException>(() => RegionMentions.Normalize(text, 3));
        Assert.Contains(reason, e.Message);
    }

    [Fact]
    public void ConversationIdsFollowTheSpecTokenizationOfTheWholePromptStringForString()
    {
        string[] questions =
        [
            "What is <region2>?",
            "Which is larger, <region3> or <region1>? Answer the question using a single word or phrase.",
            "Give a short description of <region1>.",
            "Is <region3> red? Answer the question using a single word or phrase.",
        ];
        string[] answers = ["a large red hexagon", "region3", "a medium green ring", "No"];

        var prompt = ChatPrompt.Conversation(Tokenizer, 3);
        var turns = new List<ConversationTurn>();
        for (var k = 0; k < questions.Length; k++)
        {
            prompt.AddUser(questions[k]);
            var user = RegionMentions.Normalize(questions[k], 3);
            turns.Add(new ConversationTurn(k == 0 ? ConversationTemplate.FirstUserMessage(3, user) : user));
            Assert.Equal(SpecTokenization(ConversationTemplate.Build(turns)), prompt.Ids);

            // The model's answer enters as the ids it sampled; these are the ids the whole prompt gives it.
            var answerIds = Tokenizer.EncodeSentencePiece(answers[k]).ToArray();
            prompt.AddAnswer(answerIds);
            turns[^1] = turns[^1] with { Assistant = answers[k] };
            Assert.Equal(SpecTokenization(ConversationTemplate.Build(turns)), prompt.Ids);
        }
        Assert.Equal([0, 1, 2], prompt.RegionOrder);
        Assert.Equal(3, prompt.Ids.Count(id => id == Tokenizer.MaskId));
        var prefix = Tokenizer.Encode(ConversationTemplate.SharedImagePrefix);
        Assert.Equal(prefix, prompt.Ids.Take(prefix.Length));
    }

    [Fact]
    public void TheSingleRegionDescriptionKeepsTheDemoLayout()
    {
        var prompt = ChatPrompt.SingleRegion(Tokenizer, DescriptionQuestions.Short);
        var text = ConversationTemplate.Build([new ConversationTurn(ConversationTemplate.FirstUserMessage(DescriptionQuestions.Short))]);
        Assert.EndsWith("picture.\nPlease give me a short description of <mask><pos>. Using a short phrase. ASSISTANT:", text);
        Assert.Equal(SpecTokenization(text), prompt.Ids);
        Assert.Equal([0], prompt.RegionOrder);
    }

    [Fact]
    public void AQuestionCannotFollowAnUnansweredOne()
    {
        var prompt = ChatPrompt.Conversation(Tokenizer, 1);
        prompt.AddUser("What is <region1>?");
        Assert.Throws<InvalidOperationException>(() => prompt.AddUser("And now?"));
    }

    /// <summary>Spec §6, written out independently: split on the special tokens, SentencePiece each piece, one BOS.</summary>
    private static int[] SpecTokenization(string prompt)
    {
        var ids = new List<int> { Tokenizer.BosId };
        foreach (var piece in Regex.Split(prompt, "(<image>|<mask>|<pos>|</s>|<s>)"))
        {
            switch (piece)
            {
                case "": break;
                case "<image>": ids.Add(OspreyTokenizer.ImageTokenId); break;
                case "<mask>": ids.Add(Tokenizer.MaskId); break;
                case "<pos>": ids.Add(Tokenizer.PosId); break;
                case "</s>": ids.Add(Tokenizer.EosId); break;
                case "<s>": ids.Add(Tokenizer.BosId); break;
                default: ids.AddRange(Tokenizer.EncodeSentencePiece(piece)); break;
            }
        }
        return [.. ids];
    }
}
