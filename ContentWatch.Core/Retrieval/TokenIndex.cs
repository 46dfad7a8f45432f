using System.Numerics;
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

    /// <summary>Managed bytes held (arrays and strings, object headers ignored).</summary>
    public long EstimatedBytes =>
        (long)_vocabulary.Length * sizeof(char) + (long)_tokenStarts.Length * sizeof(int)
        + _postings.Length + (long)_postingStarts.Length * sizeof(int);

    /// <summary>
    /// For every document containing <paramref name="word"/>: <c>scores[document] += occurrences × weight</c>
    /// (non-overlapping occurrences, as <see cref="RetrievalRule.Occurrences"/> counts them).
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
    /// <remarks>
    /// Written for build speed, which decides how long the first retrieval of a large knowledge base waits:
    /// one pass per text that splits and hashes at once, an open-addressing table over one char buffer (no
    /// string per token), and all per-token state in one struct so that a token costs one cache miss, not five.
    /// </remarks>
    internal sealed class Builder
    {
        // Per process, so that nobody can prepare texts whose tokens all collide.
        private static readonly uint Seed = (uint)Random.Shared.Next() | 1;

        private char[] _chars = new char[1 << 16];
        private int _charCount;
        private Token[] _tokens = new Token[1024];
        private int _tokenCount;
        private int[] _table = new int[2048];
        private int[] _documentTokens = new int[256];
        private int _documents;

        /// <summary>Adds the next document; <paramref name="lowerText"/> must already be lower-cased.</summary>
        public void Add(ReadOnlySpan<char> lowerText)
        {
            var document = _documents++;
            var distinct = 0;
            var i = 0;
            while (i < lowerText.Length)
            {
                var c = lowerText[i];
                if (IsWhiteSpace(c))
                {
                    i++;
                    continue;
                }
                var start = i;
                var hash = Seed;
                do
                {
                    hash = (hash ^ c) * 0x01000193u;
                }
                while (++i < lowerText.Length && !IsWhiteSpace(c = lowerText[i]));
                var id = Intern(lowerText[start..i], hash);
                if (_tokens[id].CountInDocument++ == 0)
                {
                    if (distinct == _documentTokens.Length)
                    {
                        Array.Resize(ref _documentTokens, distinct * 2);
                    }
                    _documentTokens[distinct++] = id;
                }
            }
            for (var d = 0; d < distinct; d++)
            {
                ref var token = ref _tokens[_documentTokens[d]];
                var delta = (uint)(document - token.LastDocument);
                var count = (uint)token.CountInDocument;
                WriteVarint(ref token, (delta << 1) | (count > 1 ? 1u : 0u));
                if (count > 1)
                {
                    WriteVarint(ref token, count);
                }
                token.LastDocument = document;
                token.CountInDocument = 0;
            }
        }

        public TokenIndex Build()
        {
            var tokenStarts = new int[_tokenCount + 1];
            var postingStarts = new int[_tokenCount + 1];
            long postingLength = 0;
            for (var i = 0; i < _tokenCount; i++)
            {
                tokenStarts[i] = _tokens[i].Start;
                postingStarts[i] = (int)postingLength;
                postingLength += _tokens[i].PostingLength;
                if (postingLength > Array.MaxLength)
                {
                    throw new InvalidOperationException("The knowledge category is too large to index in memory.");
                }
            }
            tokenStarts[^1] = _charCount;
            postingStarts[^1] = (int)postingLength;
            var postings = new byte[postingLength];
            for (var i = 0; i < _tokenCount; i++)
            {
                _tokens[i].Postings.AsSpan(0, _tokens[i].PostingLength).CopyTo(postings.AsSpan(postingStarts[i]));
                _tokens[i].Postings = [];
            }
            // The char buffer already holds each token followed by a separator, in token order.
            return new TokenIndex(new string(_chars, 0, _charCount), tokenStarts, postings, postingStarts);
        }

        /// <summary>
        /// Exactly <see cref="char.IsWhiteSpace(char)"/> (what <c>string.Split(null)</c> splits query words on),
        /// with the common cases answered first.
        /// </summary>
        internal static bool IsWhiteSpace(char c) =>
            c <= ' ' ? c == ' ' || (c >= '\t' && c <= '\r') : c >= '\u0085' && char.IsWhiteSpace(c);

        private int Intern(ReadOnlySpan<char> text, uint hash)
        {
            var mask = _table.Length - 1;
            for (var slot = Slot(hash, mask); ; slot = (slot + 1) & mask)
            {
                var entry = _table[slot];
                if (entry == 0)
                {
                    var id = Add(text, hash);
                    _table[slot] = id + 1;
                    if (_tokenCount * 2 > _table.Length)
                    {
                        GrowTable();
                    }
                    return id;
                }
                ref var token = ref _tokens[entry - 1];
                if (token.Hash == hash && token.Length == text.Length && _chars.AsSpan(token.Start, token.Length).SequenceEqual(text))
                {
                    return entry - 1;
                }
            }
        }

        private int Add(ReadOnlySpan<char> text, uint hash)
        {
            if (_charCount + text.Length + 1 > _chars.Length)
            {
                var size = Math.Max((long)_chars.Length * 2, _charCount + text.Length + 1L);
                if (size > Array.MaxLength)
                {
                    throw new InvalidOperationException("The knowledge category is too large to index in memory.");
                }
                Array.Resize(ref _chars, (int)size);
            }
            if (_tokenCount == _tokens.Length)
            {
                Array.Resize(ref _tokens, _tokenCount * 2);
            }
            text.CopyTo(_chars.AsSpan(_charCount));
            _tokens[_tokenCount] = new Token
            {
                Start = _charCount,
                Length = text.Length,
                Hash = hash,
                LastDocument = -1,
                Postings = new byte[4],
            };
            _charCount += text.Length;
            _chars[_charCount++] = Separator;
            return _tokenCount++;
        }

        private void GrowTable()
        {
            var table = new int[_table.Length * 2];
            var mask = table.Length - 1;
            for (var id = 0; id < _tokenCount; id++)
            {
                var slot = Slot(_tokens[id].Hash, mask);
                while (table[slot] != 0)
                {
                    slot = (slot + 1) & mask;
                }
                table[slot] = id + 1;
            }
            _table = table;
        }

        // FNV's low bits depend only on the low bits of the text: take the well-mixed high bits instead.
        private static int Slot(uint hash, int mask) => (int)((hash * 0x9E3779B9u) >> (32 - BitOperations.PopCount((uint)mask))) & mask;

        private static void WriteVarint(ref Token token, uint value)
        {
            if (token.Postings.Length - token.PostingLength < 5)
            {
                Array.Resize(ref token.Postings, Math.Max(token.Postings.Length * 2, token.PostingLength + 5));
            }
            var buffer = token.Postings;
            var length = token.PostingLength;
            while (value >= 0x80)
            {
                buffer[length++] = (byte)(value | 0x80);
                value >>= 7;
            }
            buffer[length++] = (byte)value;
            token.PostingLength = length;
        }

        private struct Token
        {
            public int Start;
            public int Length;
            public uint Hash;
            public int LastDocument;
            public int CountInDocument;
            public int PostingLength;
            public byte[] Postings;
        }
    }
}
