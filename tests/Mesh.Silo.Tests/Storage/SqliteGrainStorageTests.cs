using Mesh.Grains.Hosting;
using Mesh.Silo.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Serialization;
using Orleans.Storage;

namespace Mesh.Silo.Tests.Storage;

public sealed class SqliteGrainStorageTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), "mesh-sqlite-" + Guid.NewGuid().ToString("N") + ".db");
    private readonly ServiceProvider _services = new ServiceCollection().AddSerializer().BuildServiceProvider();

    private SqliteGrainStorage Open() => new(_path, new OrleansBinaryStateSerializer(_services.GetRequiredService<Serializer>()), NullLogger<SqliteGrainStorage>.Instance);

    private sealed class Slot<T> : IGrainState<T>
    {
        [System.Diagnostics.CodeAnalysis.AllowNull]
        public T State { get; set; } = default!;

        public string? ETag { get; set; }

        public bool RecordExists { get; set; }
    }

    [Fact]
    public async Task State_round_trips_across_connections_and_stale_writes_are_refused()
    {
        var id = GrainId.Create("test", "acme/a");
        using (var storage = Open())
        {
            var state = new Slot<string> { State = "first" };
            await storage.WriteStateAsync("s", id, state);
            Assert.Equal("1", state.ETag);
            state.State = "second";
            await storage.WriteStateAsync("s", id, state);
        }

        using var reopened = Open();
        var read = new Slot<string>();
        await reopened.ReadStateAsync("s", id, read);
        Assert.True(read.RecordExists);
        Assert.Equal("second", read.State);
        Assert.Equal("2", read.ETag);

        var stale = new Slot<string> { State = "stale", ETag = "1" };
        await Assert.ThrowsAsync<InconsistentStateException>(() => reopened.WriteStateAsync("s", id, stale));
        var duplicate = new Slot<string> { State = "new" };
        await Assert.ThrowsAsync<InconsistentStateException>(() => reopened.WriteStateAsync("s", id, duplicate));

        await reopened.ClearStateAsync("s", id, read);
        var cleared = new Slot<string>();
        await reopened.ReadStateAsync("s", id, cleared);
        Assert.False(cleared.RecordExists);
    }

    public void Dispose()
    {
        _services.Dispose();
        foreach (var file in Directory.GetFiles(Path.GetDirectoryName(_path)!, Path.GetFileName(_path) + "*"))
        {
            File.Delete(file);
        }
    }
}
