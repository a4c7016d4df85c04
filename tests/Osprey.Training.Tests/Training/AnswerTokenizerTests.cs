using Osprey.Engine.Prompting;
using Osprey.Training.Data;
using ConversationTurn = Osprey.Training.Data.ConversationTurn;
using Osprey.Training.Training;

namespace Osprey.Training.Tests.Training;

public class AnswerTokenizerTests
{
    [Fact]
    public void OnlyAnswersAndTheirEndOfTurnAreTargets()
    {
        var tokenizer = TinyTraining.Tokenizer;
        var conversation = new[]
        {
            ConversationTurn.User("What is region1<mask><pos>? Answer the question using a single word or phrase."),
            ConversationTurn.Assistant("triangle"),
            ConversationTurn.User("What colour is it?"),
            ConversationTurn.Assistant("dark blue"),
        };
        var tokenized = new AnswerTokenizer(tokenizer).Tokenize(conversation, RegionLayout.Inline, regionCount: 1);

        var targets = tokenized.Ids.Where((_, i) => tokenized.IsTarget[i]).ToList();
        Assert.Equal(tokenizer.EosId, targets[^1]);
        var eos = targets.IndexOf(tokenizer.EosId);
        Assert.Equal("triangle", tokenizer.Decode(targets.Take(eos).ToList()).Trim());
        Assert.Equal("dark blue", tokenizer.Decode(targets.Skip(eos + 1).Take(targets.Count - eos - 2).ToList()).Trim());
        Assert.Equal(2, targets.Count(t => t == tokenizer.EosId));
        // The prompt, including the image placeholder and the region pair, carries no target.
        Assert.False(tokenized.IsTarget[Array.IndexOf(tokenized.Ids, tokenizer.MaskId)]);
        Assert.False(tokenized.IsTarget[Array.IndexOf(tokenized.Ids, Osprey.Engine.Tokenization.OspreyTokenizer.ImageTokenId)]);
    }

    [Fact]
    public void MalformedConversationsAreRejected()
    {
        var tokenizer = new AnswerTokenizer(TinyTraining.Tokenizer);
        Assert.Throws<InvalidDataException>(() => tokenizer.Tokenize([ConversationTurn.User("hi")], RegionLayout.Inline, 0));
        Assert.Throws<InvalidDataException>(() => tokenizer.Tokenize([ConversationTurn.Assistant("a"), ConversationTurn.User("b")], RegionLayout.Inline, 0));
        // Introduced regions are named, never placed at their mention.
        Assert.Throws<InvalidDataException>(() => tokenizer.Tokenize(
            [ConversationTurn.User("What is region1<mask><pos>?"), ConversationTurn.Assistant("a ring")], RegionLayout.Introduced, 1));
    }

    /// <summary>
    /// Training on a region conversation sees exactly the ids the gateway serves: up to each answer, the
    /// tokens are those of <see cref="ChatPrompt"/> holding the same conversation (user text with
    /// &lt;regionK&gt;, earlier answers as their ids), and the answer tokens are the targets.
    /// </summary>
    [Fact]
    public void IntroducedConversationsAreTokenizedAsServingBuildsTheirPrompts()
    {
        var tokenizer = TinyTraining.Tokenizer;
        var conversation = new[]
        {
            ConversationTurn.User("What is region3?"),
            ConversationTurn.Assistant("a large red hexagon"),
            ConversationTurn.User("Which is larger, region2 or region1? Answer the question using a single word or phrase."),
            ConversationTurn.Assistant("region1"),
            ConversationTurn.User("What colour is it?"),
            ConversationTurn.Assistant("green"),
        };
        var tokenized = new AnswerTokenizer(tokenizer).Tokenize(conversation, RegionLayout.Introduced, regionCount: 3);

        var prompt = ChatPrompt.Conversation(tokenizer, 3);
        for (int i = 0; i < conversation.Length; i += 2)
        {
            prompt.AddUser(System.Text.RegularExpressions.Regex.Replace(conversation[i].Value, @"region(\d)", "<region$1>"));
            int open = prompt.Ids.Count;
            Assert.Equal(prompt.Ids, tokenized.Ids.Take(open));
            // Between the previous answer's end of turn and this answer nothing is a target.
            Assert.DoesNotContain(true, tokenized.IsTarget.Take(open).Skip(Array.LastIndexOf(tokenized.IsTarget, true, Math.Max(open - 1, 0)) + 1));
            var targets = Enumerable.Range(open, tokenized.Ids.Length - open).TakeWhile(k => tokenized.IsTarget[k]).Select(k => tokenized.Ids[k]).ToList();
            Assert.Equal(tokenizer.EosId, targets[^1]);
            Assert.Equal(conversation[i + 1].Value, tokenizer.Decode(targets.Take(targets.Count - 1).ToList()).Trim());
            prompt.AddAnswer(targets.Take(targets.Count - 1).ToList());
        }
        Assert.Equal(prompt.Ids, tokenized.Ids);
        Assert.Equal(3, tokenized.Ids.Count(id => id == tokenizer.MaskId));
        Assert.Equal(new[] { 0, 1, 2 }, prompt.RegionOrder);
    }
}
