using System.Globalization;
using Dashboard.Benchmarks;

// One command per benchmark; figures are printed and written as JSON under $TMPDIR so runs can be compared.
//   dotnet run -c Release --project tests/Dashboard.Benchmarks -- reflector [pods=5000] [deployments=50] [events=20000]
//   dotnet run -c Release --project tests/Dashboard.Benchmarks -- hub [clients=50] [pods=1000] [deployments=10] [rate=100] [seconds=20]
//   dotnet run -c Release --project tests/Dashboard.Benchmarks -- load [pods=5000] [deployments=50] [clients=200] [pages=5] [rate=50] [seconds=60] [bigpods=1000] [records=1]
//   dotnet run -c Release --project tests/Dashboard.Benchmarks -- records [records=10000] [runs=5]
var mode = args.FirstOrDefault(a => !a.Contains('=', StringComparison.Ordinal)) ?? "reflector";
var settings = args.Select(a => a.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => int.Parse(p[1], CultureInfo.InvariantCulture));
switch (mode)
{
    case "reflector": await ReflectorBenchmark.RunAsync(settings); break;
    case "hub": await HubBenchmark.RunAsync(settings); break;
    case "load": await LoadBenchmark.RunAsync(settings); break;
    case "records": await RecordsBenchmark.RunAsync(settings); break;
    default:
        Console.Error.WriteLine($"Unknown benchmark \"{mode}\"; use reflector, hub, load or records.");
        return 2;
}
return 0;
