using Microsoft.Extensions.Hosting;
using Mesh.Silo.Hosting;

try
{
    using var host = MeshSiloHost.CreateBuilder(args).Build();
    await host.RunAsync();
    return 0;
}
catch (InvalidOperationException ex) when (ex.Message.StartsWith("Mesh cannot start", StringComparison.Ordinal))
{
    await Console.Error.WriteLineAsync(ex.Message);
    return 2;
}
