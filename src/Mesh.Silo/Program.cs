using Mesh.Silo.Hosting;

try
{
    await using var app = MeshSiloHost.Build(args);
    await app.RunAsync();
    return 0;
}
catch (MeshStartupException ex)
{
    await Console.Error.WriteLineAsync(ex.Message);
    return 2;
}
