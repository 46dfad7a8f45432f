using ContentWatch.Benchmarks;

// dotnet run -c Release --project ContentWatch.Benchmarks -- [scenario] [options]
// Each scenario is a class with a RunAsync(string[] options); add new ones (trigger, run, …) to this table.
var scenarios = new Dictionary<string, (string Description, Func<string[], Task> RunAsync)>(StringComparer.OrdinalIgnoreCase)
{
    ["retrieval"] = ("knowledge retrieval on 1k/10k/100k documents (options: --sizes 1000,10000 --queries 300)", RetrievalBenchmark.RunAsync),
    ["engine"] = ("concurrent triggers, trigger → run_started, 4-step run latency, throughput, write amplification (options: --rounds 30)", EngineBenchmark.RunAsync),
    ["compliance"] = ("Simulated brand check of a 1,500-word script against 30 guidelines: cold, warm median and p95, CPU per check (options: --iterations 2000)", ComplianceBenchmark.RunAsync),
    ["editorial"] = ("model calls when regenerating step 3 of 4 (rerun, keep), approve → next step's first chunk, 1,000 runs awaiting approval (options: --rounds 20 --waiting 1000)", EditorialBenchmark.RunAsync),
};

if (args is ["-h" or "--help", ..])
{
    Console.WriteLine("Usage: ContentWatch.Benchmarks [scenario] [options]; no scenario runs them all.");
    foreach (var (name, scenario) in scenarios)
    {
        Console.WriteLine($"  {name,-12} {scenario.Description}");
    }
    return 0;
}
if (args.Length > 0 && !args[0].StartsWith('-') && !scenarios.ContainsKey(args[0]))
{
    Console.Error.WriteLine($"Unknown scenario '{args[0]}'. Known: {string.Join(", ", scenarios.Keys)}.");
    return 1;
}

var selected = args.Length > 0 && !args[0].StartsWith('-') ? [args[0]] : scenarios.Keys.ToArray();
var options = args.Length > 0 && !args[0].StartsWith('-') ? args[1..] : args;
foreach (var name in selected)
{
    Console.WriteLine($"== {name} ==");
    await scenarios[name].RunAsync(options);
}
return 0;
