using System.Text;
using DiffPlex;
using DiffPlex.Chunkers;

namespace ContentWatch.Web.Components.Shared;

/// <summary>One run of text in a word diff: in both versions, only in the older one, or only in the newer one.</summary>
public sealed record DiffPiece(string Text, DiffKind Kind);

public enum DiffKind
{
    Same,
    Removed,
    Added,
}

/// <summary>
/// A word-level diff of two versions of a step's markdown (DiffPlex's word chunker: words, spaces and
/// punctuation are pieces of their own), as runs that read back as either text: the same and removed runs
/// are the older text, the same and added runs the newer.
/// </summary>
public static class WordDiff
{
    public static IReadOnlyList<DiffPiece> Between(string older, string newer)
    {
        var diff = Differ.Instance.CreateDiffs(older, newer, ignoreWhiteSpace: false, ignoreCase: false, new WordChunker());
        var raw = new List<DiffPiece>();
        var a = 0;
        foreach (var block in diff.DiffBlocks)
        {
            raw.Add(new(Join(diff.PiecesOld, a, block.DeleteStartA), DiffKind.Same));
            raw.Add(new(Join(diff.PiecesOld, block.DeleteStartA, block.DeleteStartA + block.DeleteCountA), DiffKind.Removed));
            raw.Add(new(Join(diff.PiecesNew, block.InsertStartB, block.InsertStartB + block.InsertCountB), DiffKind.Added));
            a = block.DeleteStartA + block.DeleteCountA;
        }
        raw.Add(new(Join(diff.PiecesOld, a, diff.PiecesOld.Count), DiffKind.Same));
        return Grouped(raw.Where(p => p.Text.Length > 0));
    }

    /// <summary>
    /// "~~wasting~~ overpaying ~~money~~ for" reads badly: the spaces between changes of one line join them,
    /// so a creator reads "~~wasting money~~ overpaying for". A line break ends a change.
    /// </summary>
    private static List<DiffPiece> Grouped(IEnumerable<DiffPiece> raw)
    {
        var pieces = new List<DiffPiece>();
        var removed = new StringBuilder();
        var added = new StringBuilder();
        var held = "";
        foreach (var piece in raw)
        {
            if (piece.Kind == DiffKind.Same && removed.Length + added.Length > 0 && piece.Text.All(c => c is ' ' or '\t'))
            {
                held += piece.Text;
                continue;
            }
            if (piece.Kind == DiffKind.Same)
            {
                Flush();
                Append(pieces, held + piece.Text, DiffKind.Same);
                held = "";
                continue;
            }
            removed.Append(held);
            added.Append(held);
            held = "";
            (piece.Kind == DiffKind.Removed ? removed : added).Append(piece.Text);
        }
        Flush();
        Append(pieces, held, DiffKind.Same);
        return pieces;

        void Flush()
        {
            Append(pieces, removed.ToString(), DiffKind.Removed);
            Append(pieces, added.ToString(), DiffKind.Added);
            removed.Clear();
            added.Clear();
        }
    }

    private static string Join(IReadOnlyList<string> source, int from, int to) =>
        string.Concat(Enumerable.Range(from, Math.Max(0, to - from)).Select(i => source[i]));

    private static void Append(List<DiffPiece> pieces, string text, DiffKind kind)
    {
        if (text.Length == 0)
        {
            return;
        }
        if (pieces.Count > 0 && pieces[^1].Kind == kind)
        {
            pieces[^1] = pieces[^1] with { Text = pieces[^1].Text + text };
        }
        else
        {
            pieces.Add(new DiffPiece(text, kind));
        }
    }
}
