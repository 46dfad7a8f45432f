using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Retrieval;
using Microsoft.EntityFrameworkCore;

namespace ContentWatch.Benchmarks;

/// <summary>
/// Knowledge retrieval (ARCHITECTURE.md §4) on a real SQLite database brought up by the real migrations:
/// one organization, one category of 1k / 10k / 100k synthetic documents of ~300 words. Per size: the cold
/// build, warm latency, latency when the database changed (other tables, one document), the cache's
/// memory, the old load-everything implementation for comparison, and the ranking checked against the rule.
/// </summary>
internal static class RetrievalBenchmark
{
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(3);
    private const int ChangedDatabaseRuns = 30;
    private const int EditRuns = 15;
    private const int CheckedTop = 10;

    public static async Task RunAsync(string[] options)
    {
        var sizes = Option(options, "--sizes")?.Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray()
            ?? [1_000, 10_000, 100_000];
        var queryCount = int.Parse(Option(options, "--queries") ?? "300", CultureInfo.InvariantCulture);

        Console.WriteLine($"{RuntimeInformation.FrameworkDescription}, {RuntimeInformation.OSDescription}, {Environment.ProcessorCount} cores, "
            + $"SQLite file in {Path.GetTempPath()}{LoadAverage()}");
        var rows = new List<Row>();
        foreach (var size in sizes)
        {
            rows.Add(await MeasureAsync(size, queryCount));
        }

        Console.WriteLine();
        Console.WriteLine($"Finished{LoadAverage()}");
        Console.WriteLine("| docs | words/doc | insert | cold build | rebuild | warm p50 | warm p95 | warm p99 | db changed p50 | 1 edit p50 | cache (estimate) | GC heap Δ | old scan p50 | checked |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var r in rows)
        {
            Console.WriteLine($"| {r.Documents:N0} | {r.WordsPerDocument:N0} | {Seconds(r.Insert)} | {Ms(r.ColdBuild)} | {Ms(r.Rebuild)} | {Ms(r.Warm.P50)} | {Ms(r.Warm.P95)} | {Ms(r.Warm.P99)} "
                + $"| {Ms(r.ChangedDatabase.P50)} | {Ms(r.AfterEdit.P50)} | {Mb(r.EstimatedBytes)} | {Mb(r.HeapDelta)} | {Ms(r.OldScan.P50)} | {r.Checked} |");
        }
        Console.WriteLine();
        Console.WriteLine("cold build: first retrieval in the process (JIT, EF start-up, read + index). rebuild: the same in a warm process.");
        Console.WriteLine("warm: nothing committed since the last retrieval (p50/p95/p99 over the queries). db changed: a commit that touches");
        Console.WriteLine("no knowledge before each retrieval (the knowledge version stays, so no digest). 1 edit: another node rewrites one");
        Console.WriteLine("document and bumps the version before each retrieval (digest + re-read of it). old scan: the previous implementation");
        Console.WriteLine("(read every document of the categories, score each). checked: fast top-10 equals the rule on sampled queries.");
    }

    private static async Task<Row> MeasureAsync(int size, int queryCount)
    {
        Console.WriteLine();
        Console.WriteLine($"-- {size:N0} documents");
        var random = new Random(size);
        var corpus = new SyntheticCorpus(random);
        await using var database = await BenchmarkDatabase.CreateAsync();
        var documents = Enumerable.Range(0, size).Select(_ => corpus.Document()).ToList();
        var wordsPerDocument = documents.Average(d => d.Content.Count(char.IsWhiteSpace) + 1);

        var insert = Stopwatch.StartNew();
        var ids = await database.InsertAsync(documents, KnowledgeCategory.BrandVoice);
        insert.Stop();
        Console.WriteLine($"inserted in {insert.Elapsed.TotalSeconds:F1} s ({new FileInfo(database.File).Length / 1e6:F0} MB file)");

        var queries = Enumerable.Range(0, queryCount).Select(_ => corpus.Topic()).ToList();
        var organization = database.OrganizationId;

        var retriever = new KnowledgeRetriever(database);
        var cold = Stopwatch.StartNew();
        await retriever.RetrieveAsync(organization, StepType.ScriptGeneration, queries[0], KnowledgeRetriever.DefaultTop);
        cold.Stop();
        Console.WriteLine($"cold build {cold.Elapsed.TotalMilliseconds:F0} ms (first retrieval of a new process: includes JIT and EF start-up)");

        // The heap a cache holds: a second retriever built once the JIT and EF are warm, kept alive across both readings.
        var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        var second = new KnowledgeRetriever(database);
        var rebuild = Stopwatch.StartNew();
        await second.RetrieveAsync(organization, StepType.ScriptGeneration, queries[0], KnowledgeRetriever.DefaultTop);
        rebuild.Stop();
        var heapDelta = GC.GetTotalMemory(forceFullCollection: true) - heapBefore;
        GC.KeepAlive(second);
        Console.WriteLine($"warm-process build {rebuild.Elapsed.TotalMilliseconds:F0} ms, cache ≈ {second.EstimatedCacheBytes / 1e6:F1} MB (estimate), GC heap Δ {heapDelta / 1e6:F1} MB");

        // A server has long been warm: let the JIT tier up before timing (the queries, untimed, for a few seconds).
        var warmUp = Stopwatch.StartNew();
        do
        {
            foreach (var query in queries)
            {
                await retriever.RetrieveAsync(organization, StepType.ScriptGeneration, query);
            }
        }
        while (warmUp.Elapsed < WarmUp);
        var warm = await TimeAsync(queries.Count, i => retriever.RetrieveAsync(organization, StepType.ScriptGeneration, queries[i]));
        Console.WriteLine($"warm: {warm}");

        var changed = await TimeAsync(ChangedDatabaseRuns,
            i => retriever.RetrieveAsync(organization, StepType.ScriptGeneration, queries[i]),
            i => database.TouchOtherTableAsync(i));
        Console.WriteLine($"db changed: {changed}");

        var editRandom = new Random(size + 1);
        var edited = await TimeAsync(EditRuns,
            i => retriever.RetrieveAsync(organization, StepType.ScriptGeneration, queries[i]),
            async i =>
            {
                var index = editRandom.Next(documents.Count);
                documents[index] = corpus.Document();
                await database.UpdateAsync(ids[index], documents[index]);
            });
        Console.WriteLine($"1 edit: {edited}");

        var checkedQueries = size >= 100_000 ? 20 : 60;
        var mismatches = 0;
        for (var i = 0; i < checkedQueries; i++)
        {
            var query = queries[i * queries.Count / checkedQueries];
            var fast = await retriever.RetrieveAsync(organization, StepType.ScriptGeneration, query, CheckedTop);
            var words = RetrievalRule.QueryWords(query);
            var expected = documents.Select((d, n) => (Id: ids[n], Score: RetrievalRule.Score(d.Title, d.Content, words)))
                .OrderByDescending(d => d.Score).ThenBy(d => d.Id).Take(CheckedTop);
            if (!expected.SequenceEqual(fast.Select(d => (Id: d.DocumentId, d.Score))))
            {
                mismatches++;
                Console.WriteLine($"MISMATCH for '{query}'");
            }
        }
        var check = mismatches == 0 ? $"{checkedQueries}/{checkedQueries} equal" : $"{mismatches} of {checkedQueries} DIFFER";
        Console.WriteLine($"checked against the rule: {check}");

        var scanRuns = size >= 100_000 ? 3 : size >= 10_000 ? 10 : 30;
        var oldScan = await TimeAsync(scanRuns, i => OldScanAsync(database, organization, queries[i]));
        Console.WriteLine($"old scan: {oldScan}");

        return new Row(size, wordsPerDocument, insert.Elapsed, cold.Elapsed, rebuild.Elapsed, warm, changed, edited, retriever.EstimatedCacheBytes, heapDelta, oldScan, check);
    }

    /// <summary>The previous implementation: every document of the categories read and scored on each call.</summary>
    private static async Task<IReadOnlyList<RetrievedDocument>> OldScanAsync(BenchmarkDatabase database, int organizationId, string query)
    {
        var categories = RetrievalRule.CategoriesFor(StepType.ScriptGeneration);
        var words = RetrievalRule.QueryWords(query);
        await using var db = database.CreateDbContext();
        var documents = await db.KnowledgeDocuments.AsNoTracking()
            .Where(k => k.OrganizationId == organizationId && categories.Contains(k.Category))
            .ToListAsync();
        return [.. documents
            .Select(d => new RetrievedDocument(d.Id, d.Title, d.Category, RetrievalRule.Score(d.Title, d.Content, words), d.Content))
            .OrderByDescending(d => d.Score).ThenBy(d => d.DocumentId)
            .Take(KnowledgeRetriever.DefaultTop)];
    }

    private static async Task<Latency> TimeAsync<T>(int runs, Func<int, Task<T>> measured, Func<int, Task>? before = null)
    {
        var samples = new double[runs];
        for (var i = 0; i < runs; i++)
        {
            if (before is not null)
            {
                await before(i);
            }
            var start = Stopwatch.GetTimestamp();
            await measured(i);
            samples[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        Array.Sort(samples);
        return new Latency(runs, Percentile(samples, 0.50), Percentile(samples, 0.95), Percentile(samples, 0.99), samples[^1]);
    }

    private static double Percentile(double[] sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    // Other processes on the machine inflate latencies: say how busy it was.
    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? $", load average {string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3))}" : "";

    private static string? Option(string[] options, string name)
    {
        var at = Array.IndexOf(options, name);
        return at >= 0 && at + 1 < options.Length ? options[at + 1] : null;
    }

    private static string Ms(TimeSpan time) => Ms(time.TotalMilliseconds);

    private static string Ms(double ms) => ms < 10 ? $"{ms:F2} ms" : $"{ms:F0} ms";

    private static string Seconds(TimeSpan time) => $"{time.TotalSeconds:F1} s";

    private static string Mb(long bytes) => $"{bytes / 1e6:F1} MB";

    private sealed record Latency(int Runs, double P50, double P95, double P99, double Max)
    {
        public override string ToString() => $"n={Runs} p50 {Ms(P50)}, p95 {Ms(P95)}, p99 {Ms(P99)}, max {Ms(Max)}";
    }

    private sealed record Row(
        int Documents, double WordsPerDocument, TimeSpan Insert, TimeSpan ColdBuild, TimeSpan Rebuild, Latency Warm, Latency ChangedDatabase,
        Latency AfterEdit, long EstimatedBytes, long HeapDelta, Latency OldScan, string Checked);
}
