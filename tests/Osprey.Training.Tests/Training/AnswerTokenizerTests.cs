using Osprey.Training.Data;
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
        var tokenized = new AnswerTokenizer(tokenizer).Tokenize(conversation);

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
        Assert.Throws<InvalidDataException>(() => tokenizer.Tokenize([ConversationTurn.User("hi")]));
        Assert.Throws<InvalidDataException>(() => tokenizer.Tokenize([ConversationTurn.Assistant("a"), ConversationTurn.User("b")]));
    }
}
