using Mesh.LoadTests;

return await LoadTestCli.RunAsync(args);
