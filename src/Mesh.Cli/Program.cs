using Mesh.Cli;

return await MeshCli.RunAsync(args);
