using BenchmarkDotNet.Running;

// dotnet run -c Release --project loadtests/Mesh.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Mesh.Benchmarks.PolicyBenchmarks).Assembly).Run(args);
