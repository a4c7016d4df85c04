using Osprey.Engine.Tokenization;
using Osprey.Training.Data;
using Osprey.Training.Synthetic;
using Osprey.Training.Training;
using TorchSharp;
using ConversationTurn = Osprey.Training.Data.ConversationTurn;

namespace Osprey.Training.Tests.Training;

/// <summary>The region-attention term: which rows it teaches to look where, how it adds to the loss, and that its gradient moves the head.</summary>
public class RegionAttentionTests
{
    [Theory]
    [InlineData("What is region2?", 2)]
    [InlineData("What colour is region3? Answer the question using a single word or phrase.", 3)]
    [InlineData("Is region1 red?", 1)]
    [InlineData("Which is larger, region2 or region3?", null)]
    [InlineData("What colour is it?", null)]
    [InlineData("How many objects are in the picture?", null)]
    [InlineData("Is region2 larger than region2?", 2)]
    [InlineData("What is region12?", 12)]
    public void A_question_names_one_region_or_none(string question, int? expected) =>
        Assert.Equal(expected, RegionAttention.NamedRegion(question));


    /// <summary>A conversation in the introduced layout about the first <paramref name="regions"/> objects of a small scene (repeated when it has fewer).</summary>
    private static TrainingExample Conversation(int regions, IReadOnlyList<ConversationTurn> turns)
    {
        var scene = new SceneGenerator(new SceneOptions { ImageSize = 64 }).Generate(3, 0);
        var masks = Enumerable.Range(0, regions).Select(i => RegionMaskCodec.FromBinary(scene.Height, scene.Width, scene.Objects[i % scene.Objects.Count].Mask)).ToList();
        return new TrainingExample(new Osprey.Engine.Imaging.RgbImage(scene.Width, scene.Height, scene.Pixels), masks, [.. turns], RegionLayout.Introduced);
    }

    [Fact]
    public void Rows_of_answers_about_one_region_look_at_that_regions_mask()
    {
        var example = Conversation(3,
        [
            ConversationTurn.User("What is region2?"), ConversationTurn.Assistant("a ring"),
            ConversationTurn.User("Which is larger, region1 or region3?"), ConversationTurn.Assistant("region3"),
            ConversationTurn.User("What colour is region3?"), ConversationTurn.Assistant("red"),
        ]);
        var tokens = new AnswerTokenizer(TinyTraining.Tokenizer).Tokenize(example);
        const int imageTokens = 16;

        var looks = RegionAttention.Looks(example, tokens, Osprey.Engine.Prompting.PromptPositions.Starts(tokens.Ids, imageTokens), TinyTraining.Tokenizer.MaskId);

        // Expected from the ids: positions after the image expands, the three <mask>s, and the answer runs.
        var position = new int[tokens.Ids.Length];
        for (int i = 1; i < position.Length; i++) position[i] = position[i - 1] + (tokens.Ids[i - 1] == OspreyTokenizer.ImageTokenId ? imageTokens : 1);
        var masks = Enumerable.Range(0, tokens.Ids.Length).Where(i => tokens.Ids[i] == TinyTraining.Tokenizer.MaskId).Select(i => position[i]).ToList();
        Assert.Equal(3, masks.Count);
        var runs = new List<List<int>>();
        for (int i = 0; i < tokens.Ids.Length; i++)
            if (tokens.IsTarget[i])
            {
                if (i == 0 || !tokens.IsTarget[i - 1]) runs.Add([]);
                runs[^1].Add(position[i] - 1);
            }
        Assert.Equal(3, runs.Count);
        // The number each question named its region by: the last time that number's id occurs before the answer.
        int NumberBefore(int answerRow, int region)
        {
            var number = tokens.Ids[Array.IndexOf(position, masks[region - 1]) - 1];
            var index = Enumerable.Range(0, tokens.Ids.Length).Last(i => position[i] <= answerRow && tokens.Ids[i] == number);
            return position[index];
        }
        var expected = runs[0].Select(r => new RegionLook(r, masks[1], 2, NumberBefore(runs[0][0], 2)))
            .Concat(runs[2].Select(r => new RegionLook(r, masks[2], 3, NumberBefore(runs[2][0], 3)))).ToList();
        Assert.Equal(expected, looks);
        Assert.All(looks, l => Assert.Equal(TinyTraining.Tokenizer.PosId, tokens.Ids[Array.IndexOf(position, l.Mask) + 1]));
        // The question's number is after the first turn's introduction, in the question itself.
        Assert.All(looks, l => Assert.True(l.QuestionNumber > masks[^1] && l.QuestionNumber < l.Row));
        Assert.Equal(TinyTraining.Tokenizer.Encode("2").Last(), tokens.Ids[Array.IndexOf(position, expected[0].QuestionNumber)]);

        // The circuit adds layer 0's number heads: each <mask> to the number before it, each answer row to its question's number.
        var circuit = new RegionAttention(1, Layer: 2, Head: RegionAttention.AllHeads, Circuit: true).Targets(looks, masks).ToList();
        Assert.Equal(looks.Count * 2 + masks.Count, circuit.Count);
        Assert.All(circuit.Where(t => t.Layer == 2), t => Assert.Equal(new[] { masks[t.Region - 1], masks[t.Region - 1] + 1 }, t.Positions));
        Assert.Equal(masks.Select(m => new[] { m - 1 }), circuit.Where(t => t.Layer == 0 && t.Head == 0).Select(t => t.Positions));
        Assert.Equal(looks.Select(l => new[] { l.QuestionNumber }), circuit.Where(t => t.Layer == 0 && t.Head == 1).Select(t => t.Positions));
        Assert.Throws<ArgumentException>(() => new RegionAttention(1, Layer: 0, Head: 0, Circuit: true).Validate(layers: 3, heads: 4));

        Assert.Empty(RegionAttention.Looks(example with { Layout = RegionLayout.Inline }, tokens,
            Osprey.Engine.Prompting.PromptPositions.Starts(tokens.Ids, imageTokens), TinyTraining.Tokenizer.MaskId));
    }

    [Fact]
    public void Rows_of_yes_no_answers_also_look_at_the_asked_words()
    {
        var example = Conversation(2,
        [
            ConversationTurn.User("Is region2 red? Answer the question using a single word or phrase."), ConversationTurn.Assistant("Yes"),
            ConversationTurn.User("What is region1?"), ConversationTurn.Assistant("a ring"),
            ConversationTurn.User("Is region1 a hexagon?"), ConversationTurn.Assistant("No"),
        ]);
        var tokenizer = TinyTraining.Tokenizer;
        var tokens = new AnswerTokenizer(tokenizer).Tokenize(example);
        var starts = Osprey.Engine.Prompting.PromptPositions.Starts(tokens.Ids, 16);
        var questionMark = tokenizer.Encode("a?", addBos: false)[^1];

        var looks = RegionAttention.Looks(example, tokens, starts, tokenizer.MaskId, questionMark);

        string Words(RegionLook l) => tokenizer.Decode([.. Enumerable.Range(l.WordStart, l.WordCount).Select(p => tokens.Ids[starts.ToList().IndexOf(p)])]);
        var first = looks.Where(l => l.Region == 2).ToList();
        var last = looks.Where(l => l.Region == 1 && l.WordCount > 0).ToList();
        Assert.NotEmpty(first);
        Assert.All(first, l => Assert.Equal("red", Words(l).Trim()));
        Assert.All(last, l => Assert.Equal("a hexagon", Words(l).Trim()));
        Assert.Equal(2, looks.Where(l => l.WordCount > 0).Select(l => l.WordStart).Distinct().Count());
        // "What is region1?" asks nothing after the name.
        Assert.Contains(looks, l => l.Region == 1 && l.WordCount == 0);
        Assert.All(looks.Where(l => l.WordCount > 0), l => Assert.Equal(l.QuestionNumber + 1, l.WordStart));

        // Only with Word do the rows' asked words become layer 0's head-2 targets; runs without it keep their description.
        var masks = Enumerable.Range(0, tokens.Ids.Length).Where(i => tokens.Ids[i] == tokenizer.MaskId).Select(i => starts[i]).ToList();
        var term = new RegionAttention(1, Layer: 2, Head: RegionAttention.AllHeads, Circuit: true, Word: true);
        Assert.Equal(looks.Where(l => l.WordCount > 0).Select(l => Enumerable.Range(l.WordStart, l.WordCount).ToArray()),
            term.Targets(looks, masks).Where(t => t.Layer == 0 && t.Head == 2).Select(t => t.Positions));
        Assert.DoesNotContain((term with { Word = false }).Targets(looks, masks), t => t.Head == 2 && t.Layer == 0);
        Assert.Contains("Word = True", term.ToString());
        Assert.Equal("RegionAttention { Weight = 1, Layer = 2, Head = -1, AfterPair = False, Circuit = True, Offsets = System.Int32[] }", (term with { Word = false }).ToString());
        Assert.Throws<ArgumentException>(() => new RegionAttention(1, Layer: 1, Head: 0, Word: true).Validate(layers: 3, heads: 2));
    }

    [Fact]
    public void The_term_adds_with_its_weight_and_its_gradient_draws_the_head_to_the_named_region()
    {
        var source = new RegionConversationSource(64, seed: 3, new SceneOptions { ImageSize = TinyTraining.Config.ImageSize }, minRegions: 3);
        var batch = Enumerable.Range(0, 64).Select(i => source.Get(i)).Where(e => e.Layout == RegionLayout.Introduced && e.Regions.Count >= 3).Take(4).ToList();
        Assert.Equal(4, batch.Count);
        using var model = FreshModel.Create(TinyTraining.Config, TinyTraining.Tokenizer, seed: 5);
        var layer = TinyTraining.Config.Language.NumLayers - 1;

        double Loss(RegionAttention? term, out (double All, double? Later)? mass)
        {
            using var _ = torch.no_grad();
            using var result = new AnswerLoss(model, TinyTraining.Tokenizer, term).Compute(batch);
            mass = result.RegionAttentionMass;
            return result.Loss.item<float>();
        }
        var plain = Loss(null, out var none);
        var once = Loss(new RegionAttention(1, layer, 0), out var before);
        var twice = Loss(new RegionAttention(2, layer, 0), out _);
        Assert.Null(none);
        Assert.NotNull(before?.Later);
        Assert.True(once - plain > 0.05, $"the term adds {once - plain}");
        Assert.Equal(2 * (once - plain), twice - plain, 3);

        // Steps on the term alone (a large weight) move the head's mass onto the regions named region2 or later.
        var loss = new AnswerLoss(model, TinyTraining.Tokenizer, new RegionAttention(50, layer, 0));
        var parameters = model.llm.parameters().ToList();
        foreach (var p in model.parameters()) p.requires_grad = false;
        foreach (var p in parameters) p.requires_grad = true;
        using var adam = torch.optim.Adam(parameters, lr: 3e-3);
        for (var step = 0; step < 30; step++)
        {
            adam.zero_grad();
            using var result = loss.Compute(batch);
            result.Loss.backward();
            adam.step();
        }
        Loss(new RegionAttention(1, layer, 0), out var after);
        Assert.True(after!.Value.Later > before!.Value.Later + 0.2, $"mass on region2+ {before.Value.Later:P1} → {after.Value.Later:P1}");
    }

    [Fact]
    public void A_resume_must_teach_the_same_attention()
    {
        var source = new ListTrainingSource(Enumerable.Range(0, 16).Select(i => new RegionConversationSource(16, seed: 4,
            new SceneOptions { ImageSize = TinyTraining.Config.ImageSize }, minRegions: 2).Get(i)).ToList());
        var attention = new RegionAttention(2, Layer: 0, Head: 1);
        var options = TinyTraining.Options(steps: 1, batchSize: 2) with { RegionAttention = attention };
        var outDir = Directory.CreateTempSubdirectory("osprey-region-attention-resume").FullName;
        try
        {
            using (var model = FreshModel.Create(TinyTraining.Config, TinyTraining.Tokenizer, seed: 5))
            using (var trainer = new Trainer(model, TinyTraining.Tokenizer, RepositoryPaths.TokenizerModel, source, options, outDir, TextWriter.Null))
                trainer.Run();
            var resumeDir = Path.Combine(outDir, Trainer.ResumeDirectoryName);
            using var engine = Osprey.Engine.OspreyEngine.Load(resumeDir, Osprey.Engine.Devices.EngineOptions.Cpu32);
            string Refusal(RegionAttention? other)
            {
                using var trainer = new Trainer(engine.Model, engine.Tokenizer, RepositoryPaths.TokenizerModel, source,
                    options with { RegionAttention = other }, outDir, TextWriter.Null);
                return Assert.Throws<InvalidOperationException>(() => trainer.RestoreOptimizerAndStep(resumeDir)).Message;
            }
            Assert.Contains("same data options", Refusal(null));
            Assert.Contains("same data options", Refusal(attention with { Weight = 3 }));
            using var resumed = new Trainer(engine.Model, engine.Tokenizer, RepositoryPaths.TokenizerModel, source, options, outDir, TextWriter.Null);
            resumed.RestoreOptimizerAndStep(resumeDir);
            Assert.Equal(1, resumed.Step);
        }
        finally
        {
            Directory.Delete(outDir, recursive: true);
        }
    }
}
