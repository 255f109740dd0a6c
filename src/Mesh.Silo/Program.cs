using Mesh.Silo.Hosting;

return await MeshSiloHost.RunAsync(args);
