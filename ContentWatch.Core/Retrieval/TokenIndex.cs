using System.Buffers;
using System.Runtime.CompilerServices;

namespace ContentWatch.Core.Retrieval;

/// <summary>
/// Lower-cased texts of many documents, indexed so that "how often does this query word occur in each
/// document" (ARCHITECTURE.md §4: substring counts, "brand" counts inside "brands") is answered without
/// reading the texts again.
/// </summary>
/// <remarks>
/// A query word never contains white space (query words come from splitting on it), so every occurrence
/// lies inside one white-space-separated token of the text, and the non-overlapping count over the whole
/// text is the sum of the non-overlapping counts inside its tokens. The index therefore keeps each distinct
/// token once, in one string separated by spaces (which a query word cannot span), and for each token the
/// documents holding it with how many times. A query scans that vocabulary with the vectorised ordinal
/// <see cref="MemoryExtensions.IndexOf{T}(ReadOnlySpan{T}, ReadOnlySpan{T})"/> and adds
/// occurrences-in-token × occurrences-of-token-in-document. Exact by construction, and the vocabulary of
/// real text is far smaller than the text.
/// </remarks>
internal sealed class TokenIndex
{
    /// <summary>Every char <see cref="char.IsWhiteSpace(char)"/> accepts: exactly what <c>string.Split(null)</c> splits on.</summary>
    internal static readonly SearchValues<char> WhiteSpace = SearchValues.Create(
        [.. Enumerable.Range(0, char.MaxValue + 1).Select(c => (char)c).Where(char.IsWhiteSpace)]);

    private const char Separator = ' ';

    private readonly string _vocabulary;
    // Token i is _vocabulary[_tokenStarts[i] .. _tokenStarts[i + 1] - 1] (then its separator); the last entry is _vocabulary.Length.
    private readonly int[] _tokenStarts;
    // Per token, its documents in ascending order: varint((documentDelta << 1) | (count > 1)) [varint(count)].
    private readonly byte[] _postings;
    private readonly int[] _postingStarts;

    private TokenIndex(string vocabulary, int[] tokenStarts, byte[] postings, int[] postingStarts)
    {
        _vocabulary = vocabulary;
        _tokenStarts = tokenStarts;
        _postings = postings;
        _postingStarts = postingStarts;
    }

    public int TokenCount => _tokenStarts.Length - 1;

    /// <summary>Managed bytes held (arrays and strings, object headers ignored).</summary>
    public long EstimatedBytes =>
        (long)_vocabulary.Length * sizeof(char) + (long)_tokenStarts.Length * sizeof(int)
        + _postings.Length + (long)_postingStarts.Length * sizeof(int);

    /// <summary>
    /// For every document containing <paramref name="word"/>: <c>scores[document] += occurrences × weight</c>
    /// (non-overlapping occurrences, as <see cref="KnowledgeRetriever.Occurrences"/> counts them).
    /// </summary>
    public void AddOccurrences(string word, int weight, Span<int> scores)
    {
        var vocabulary = _vocabulary.AsSpan();
        var position = 0;
        while (NextMatchingToken(vocabulary, word, ref position, out var token, out var inToken))
        {
            var at = _postingStarts[token];
            var end = _postingStarts[token + 1];
            var document = -1;
            while (at < end)
            {
                var entry = ReadVarint(_postings, ref at);
                document += (int)(entry >> 1);
                var count = (entry & 1) == 0 ? 1 : (int)ReadVarint(_postings, ref at);
                scores[document] += inToken * count * weight;
            }
        }
    }

    /// <summary>
    /// For every document containing <paramref name="word"/> at least once: <c>scores[document] += points</c>,
    /// once per call even when several of its tokens contain the word. <paramref name="marks"/> must hold no
    /// value equal to <paramref name="mark"/> before the call; use a new mark per call.
    /// </summary>
    public void AddContainment(string word, int points, Span<int> scores, Span<int> marks, int mark)
    {
        var vocabulary = _vocabulary.AsSpan();
        var position = 0;
        while (NextMatchingToken(vocabulary, word, ref position, out var token, out _))
        {
            var at = _postingStarts[token];
            var end = _postingStarts[token + 1];
            var document = -1;
            while (at < end)
            {
                var entry = ReadVarint(_postings, ref at);
                document += (int)(entry >> 1);
                if ((entry & 1) != 0)
                {
                    ReadVarint(_postings, ref at);
                }
                if (marks[document] != mark)
                {
                    marks[document] = mark;
                    scores[document] += points;
                }
            }
        }
    }

    /// <summary>Finds the next token (from <paramref name="position"/>) containing the word, and how many times.</summary>
    private bool NextMatchingToken(ReadOnlySpan<char> vocabulary, string word, ref int position, out int token, out int inToken)
    {
        token = -1;
        inToken = 0;
        if (position >= vocabulary.Length)
        {
            return false;
        }
        var found = vocabulary[position..].IndexOf(word.AsSpan());
        if (found < 0)
        {
            position = vocabulary.Length;
            return false;
        }
        var at = position + found;
        var index = Array.BinarySearch(_tokenStarts, at);
        token = index >= 0 ? index : ~index - 1;
        var tokenEnd = _tokenStarts[token + 1] - 1;
        inToken = 1;
        var next = at + word.Length;
        while (vocabulary[next..tokenEnd].IndexOf(word.AsSpan()) is var again and >= 0)
        {
            inToken++;
            next += again + word.Length;
        }
        position = tokenEnd + 1;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint ReadVarint(byte[] buffer, ref int at)
    {
        uint value = buffer[at++];
        if (value < 0x80)
        {
            return value;
        }
        value &= 0x7F;
        var shift = 7;
        byte next;
        do
        {
            next = buffer[at++];
            value |= (uint)(next & 0x7F) << shift;
            shift += 7;
        }
        while (next >= 0x80);
        return value;
    }

    /// <summary>Builds a <see cref="TokenIndex"/> from documents added in order (document i = i-th call to <see cref="Add"/>).</summary>
    internal sealed class Builder
    {
        private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
        private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _lookup;
        private readonly List<string> _tokens = [];
        private readonly List<int> _documentTokens = [];
        private int[] _lastDocument = new int[1024];
        private int[] _countInDocument = new int[1024];
        private byte[][] _buffers = new byte[1024][];
        private int[] _lengths = new int[1024];
        private int _documents;

        public Builder() => _lookup = _ids.GetAlternateLookup<ReadOnlySpan<char>>();

        public int DocumentCount => _documents;

        /// <summary>Adds the next document; <paramref name="lowerText"/> must already be lower-cased.</summary>
        public void Add(ReadOnlySpan<char> lowerText)
        {
            var document = _documents++;
            _documentTokens.Clear();
            var rest = lowerText;
            while (true)
            {
                var start = rest.IndexOfAnyExcept(WhiteSpace);
                if (start < 0)
                {
                    break;
                }
                rest = rest[start..];
                var end = rest.IndexOfAny(WhiteSpace);
                var id = Intern(end < 0 ? rest : rest[..end]);
                if (_countInDocument[id]++ == 0)
                {
                    _documentTokens.Add(id);
                }
                if (end < 0)
                {
                    break;
                }
                rest = rest[end..];
            }
            foreach (var id in _documentTokens)
            {
                var delta = (uint)(document - _lastDocument[id]);
                var count = (uint)_countInDocument[id];
                WriteVarint(id, (delta << 1) | (count > 1 ? 1u : 0u));
                if (count > 1)
                {
                    WriteVarint(id, count);
                }
                _lastDocument[id] = document;
                _countInDocument[id] = 0;
            }
        }

        public TokenIndex Build()
        {
            var tokenStarts = new int[_tokens.Count + 1];
            var postingStarts = new int[_tokens.Count + 1];
            long vocabularyLength = 0;
            long postingLength = 0;
            for (var i = 0; i < _tokens.Count; i++)
            {
                vocabularyLength += _tokens[i].Length + 1;
                postingLength += _lengths[i];
            }
            if (vocabularyLength > Array.MaxLength || postingLength > Array.MaxLength)
            {
                throw new InvalidOperationException("The knowledge category is too large to index in memory.");
            }
            var postings = new byte[postingLength];
            var vocabulary = string.Create((int)vocabularyLength, this, (chars, builder) =>
            {
                var at = 0;
                foreach (var token in builder._tokens)
                {
                    token.AsSpan().CopyTo(chars[at..]);
                    at += token.Length;
                    chars[at++] = Separator;
                }
            });
            int vocabularyAt = 0, postingAt = 0;
            for (var i = 0; i < _tokens.Count; i++)
            {
                tokenStarts[i] = vocabularyAt;
                vocabularyAt += _tokens[i].Length + 1;
                postingStarts[i] = postingAt;
                _buffers[i].AsSpan(0, _lengths[i]).CopyTo(postings.AsSpan(postingAt));
                postingAt += _lengths[i];
                _buffers[i] = [];
            }
            tokenStarts[^1] = vocabularyAt;
            postingStarts[^1] = postingAt;
            return new TokenIndex(vocabulary, tokenStarts, postings, postingStarts);
        }

        private int Intern(ReadOnlySpan<char> token)
        {
            if (_lookup.TryGetValue(token, out var id))
            {
                return id;
            }
            var text = token.ToString();
            id = _tokens.Count;
            _tokens.Add(text);
            _ids.Add(text, id);
            if (id == _lastDocument.Length)
            {
                var size = id * 2;
                Array.Resize(ref _lastDocument, size);
                Array.Resize(ref _countInDocument, size);
                Array.Resize(ref _buffers, size);
                Array.Resize(ref _lengths, size);
            }
            _lastDocument[id] = -1;
            _countInDocument[id] = 0;
            _buffers[id] = new byte[4];
            _lengths[id] = 0;
            return id;
        }

        private void WriteVarint(int id, uint value)
        {
            var buffer = _buffers[id];
            var length = _lengths[id];
            if (buffer.Length - length < 5)
            {
                Array.Resize(ref buffer, Math.Max(buffer.Length * 2, length + 5));
                _buffers[id] = buffer;
            }
            while (value >= 0x80)
            {
                buffer[length++] = (byte)(value | 0x80);
                value >>= 7;
            }
            buffer[length++] = (byte)value;
            _lengths[id] = length;
        }
    }
}
