using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Microsoft.ML.Tokenizers;

namespace Osprey.Engine.Tokenization;

/// <summary>
/// The Osprey prompt tokenizer: LLaMA SentencePiece (<c>tokenizer.model</c>) plus the added
/// <c>&lt;mask&gt;</c> / <c>&lt;pos&gt;</c> tokens, with the special-token split of spec §6.
/// </summary>
public sealed class OspreyTokenizer
{
    /// <summary>Placeholder id of <c>&lt;image&gt;</c>; replaced by image tokens, never looked up.</summary>
    public const int ImageTokenId = -200;

    public const string ImageToken = "<image>";
    public const string MaskToken = "<mask>";
    public const string PosToken = "<pos>";
    public const string BosToken = "<s>";
    public const string EosToken = "</s>";
    public const int DefaultMaskId = 32000;
    public const int DefaultPosId = 32001;

    private const string ModelFileName = "tokenizer.model";
    private const string AddedTokensFileName = "added_tokens.json";

    private readonly LlamaTokenizer _sentencePiece;
    private readonly string[] _pieces;
    private readonly SpecialTokenSplitter _splitter;

    public int BosId { get; }
    public int EosId { get; }
    public int UnknownId { get; }
    public int MaskId { get; }
    public int PosId { get; }

    /// <summary>SentencePiece pieces plus added tokens: the language model's vocabulary size.</summary>
    public int VocabSize => _pieces.Length;

    internal PieceTable Pieces { get; }

    private OspreyTokenizer(LlamaTokenizer sentencePiece, string[] pieces, int maskId, int posId)
    {
        _sentencePiece = sentencePiece;
        _pieces = pieces;
        BosId = sentencePiece.BeginningOfSentenceId;
        EosId = sentencePiece.EndOfSentenceId;
        UnknownId = sentencePiece.UnknownId;
        MaskId = maskId;
        PosId = posId;
        _splitter = new SpecialTokenSplitter(new Dictionary<string, int>
        {
            [ImageToken] = ImageTokenId,
            [MaskToken] = maskId,
            [PosToken] = posId,
            [EosToken] = EosId,
            [BosToken] = BosId,
        });
        Pieces = new PieceTable(pieces, [BosId, EosId, UnknownId, maskId, posId]);
    }

    /// <summary>
    /// Loads <c>tokenizer.model</c> (and <c>added_tokens.json</c> beside it when present) from a model
    /// directory, or the given <c>.model</c> file.
    /// </summary>
    public static OspreyTokenizer Load(string modelDirOrTokenizerFile)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelDirOrTokenizerFile);
        var modelPath = Directory.Exists(modelDirOrTokenizerFile)
            ? Path.Combine(modelDirOrTokenizerFile, ModelFileName)
            : modelDirOrTokenizerFile;
        if (!File.Exists(modelPath))
            throw new TokenizerLoadException(modelPath, "file not found");

        var sentencePiece = ReadSentencePiece(modelPath);
        var pieces = PiecesById(sentencePiece, modelPath);
        var addedPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(modelPath))!, AddedTokensFileName);
        int maskId, posId;
        if (File.Exists(addedPath))
        {
            (maskId, posId) = ReadAddedTokens(addedPath, pieces.Count);
        }
        else if (pieces.Count == DefaultMaskId)
        {
            (maskId, posId) = (DefaultMaskId, DefaultPosId);
        }
        else
        {
            throw new TokenizerLoadException(modelPath,
                $"the model has {pieces.Count} pieces, so <mask>/<pos> cannot take the default ids {DefaultMaskId}/{DefaultPosId}; provide {AddedTokensFileName}");
        }

        var all = new string[pieces.Count + 2];
        for (var i = 0; i < pieces.Count; i++) all[i] = pieces[i];
        all[maskId] = MaskToken;
        all[posId] = PosToken;
        return new OspreyTokenizer(sentencePiece, all, maskId, posId);
    }

    /// <summary>Prompt ids per spec §6: one BOS, special tokens split out, each text piece encoded on its own.</summary>
    public int[] Encode(string prompt, bool addBos = true) => Encode(prompt, segmentMemo: null, addBos);

    /// <summary>
    /// <see cref="Encode(string, bool)"/> that looks each text piece up in <paramref name="segmentMemo"/>
    /// before encoding it (and stores what it encodes): the prompts of one conversation up to each of
    /// its turns share every piece but the last, so a memo kept across them encodes each piece once.
    /// </summary>
    public int[] Encode(string prompt, IDictionary<string, IReadOnlyList<int>>? segmentMemo, bool addBos = true)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        var ids = new List<int>(prompt.Length / 3 + 2);
        if (addBos) ids.Add(BosId);
        foreach (var segment in _splitter.Split(prompt))
        {
            if (!segment.IsText)
            {
                ids.Add(segment.SpecialId);
                continue;
            }
            var text = segment.Text!;
            if (segmentMemo is null)
            {
                ids.AddRange(EncodeSentencePiece(text));
                continue;
            }
            if (!segmentMemo.TryGetValue(text, out var pieceIds)) segmentMemo[text] = pieceIds = EncodeSentencePiece(text);
            ids.AddRange(pieceIds);
        }
        return ids.ToArray();
    }

    /// <summary>Plain SentencePiece encoding of the whole text ("▁" dummy prefix, no special tokens, no BOS).</summary>
    public IReadOnlyList<int> EncodeSentencePiece(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0) return [];
        return _sentencePiece.EncodeToIds(text, addBeginningOfSentence: false, addEndOfSentence: false,
            considerPreTokenization: true, considerNormalization: true);
    }

    /// <summary>
    /// Text of generated ids as Hugging Face's legacy LLaMA <c>decode(skip_special_tokens=True)</c>
    /// gives it: BOS/EOS/unknown/<c>&lt;mask&gt;</c>/<c>&lt;pos&gt;</c>/<c>&lt;image&gt;</c> are dropped,
    /// byte-fallback runs become UTF-8 (each ill-formed byte a U+FFFD), and the dummy-prefix space
    /// of the first piece is removed.
    /// </summary>
    public string Decode(IReadOnlyList<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var text = new StringBuilder();
        var run = new List<byte>();
        var prefixSpaceDropped = false;
        foreach (var id in ids)
        {
            switch (KindOf(id))
            {
                case PieceTable.Kind.Skipped:
                    continue;
                case PieceTable.Kind.Byte:
                    run.Add(Pieces.ByteOf(id));
                    continue;
            }
            ByteFallbackUtf8.AppendRun(text, CollectionsMarshal.AsSpan(run));
            run.Clear();
            var piece = Pieces.TextOf(id);
            // SentencePiece drops the dummy-prefix space once, and only while nothing has been written.
            var atStart = !prefixSpaceDropped && text.Length == 0;
            prefixSpaceDropped = true;
            if (atStart && piece.StartsWith(' ')) piece = piece[1..];
            text.Append(piece);
        }
        ByteFallbackUtf8.AppendRun(text, CollectionsMarshal.AsSpan(run));
        return text.ToString();
    }

    /// <summary>The vocabulary piece of an id (<c>&lt;image&gt;</c> for <see cref="ImageTokenId"/>).</summary>
    public string IdToPiece(int id)
    {
        if (id == ImageTokenId) return ImageToken;
        EnsureInVocabulary(id);
        return _pieces[id];
    }

    internal PieceTable.Kind KindOf(int id)
    {
        if (id == ImageTokenId) return PieceTable.Kind.Skipped;
        EnsureInVocabulary(id);
        return Pieces.KindOf(id);
    }

    private void EnsureInVocabulary(int id)
    {
        if ((uint)id >= (uint)_pieces.Length)
            throw new ArgumentOutOfRangeException(nameof(id), id, $"token id outside the vocabulary [0, {_pieces.Length})");
    }

    private static LlamaTokenizer ReadSentencePiece(string modelPath)
    {
        try
        {
            using var stream = File.OpenRead(modelPath);
            return LlamaTokenizer.Create(stream, addBeginOfSentence: false, addEndOfSentence: false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new TokenizerLoadException(modelPath, $"not a readable SentencePiece model ({e.GetType().Name}: {e.Message})", e);
        }
    }

    private static IReadOnlyList<string> PiecesById(LlamaTokenizer sentencePiece, string modelPath)
    {
        var vocabulary = sentencePiece.Vocabulary;
        if (vocabulary.Count == 0) throw new TokenizerLoadException(modelPath, "the model has no pieces");
        var pieces = new string?[vocabulary.Count];
        foreach (var (piece, id) in vocabulary)
        {
            if ((uint)id >= (uint)pieces.Length || pieces[id] is not null)
                throw new TokenizerLoadException(modelPath, $"piece ids are not a dense range (id {id} of '{piece}')");
            pieces[id] = piece;
        }
        if (pieces[sentencePiece.BeginningOfSentenceId] != BosToken || pieces[sentencePiece.EndOfSentenceId] != EosToken)
            throw new TokenizerLoadException(modelPath, "not a LLaMA SentencePiece model (<s>/</s> pieces missing)");
        return pieces!;
    }

    private static (int MaskId, int PosId) ReadAddedTokens(string path, int pieceCount)
    {
        Dictionary<string, int>? added;
        try
        {
            added = JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(path));
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            throw new TokenizerLoadException(path, $"not a JSON object of token → id ({e.Message})", e);
        }
        if (added is null || !added.TryGetValue(MaskToken, out var maskId) || !added.TryGetValue(PosToken, out var posId))
            throw new TokenizerLoadException(path, $"{MaskToken} and {PosToken} must both be listed");
        if (added.Count != 2)
            throw new TokenizerLoadException(path, $"only {MaskToken} and {PosToken} are supported, found {string.Join(", ", added.Keys)}");
        // Added tokens follow the SentencePiece pieces directly, as Hugging Face numbers them.
        if (Math.Min(maskId, posId) != pieceCount || Math.Max(maskId, posId) != pieceCount + 1)
            throw new TokenizerLoadException(path, $"{MaskToken}={maskId}, {PosToken}={posId} must be {pieceCount} and {pieceCount + 1} in some order");
        return (maskId, posId);
    }
}
