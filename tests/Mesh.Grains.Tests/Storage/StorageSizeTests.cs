using System.Globalization;
using System.Text;
using System.Text.Json;
using Mesh.Grains.Approvals;
using Mesh.Grains.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Storage;
using Xunit.Abstractions;

namespace Mesh.Grains.Tests.Storage;

/// <summary>
/// Stored size of a typical value of each state type: MessagePack (cluster mode), Orleans binary (embedded mode) and
/// System.Text.Json with default options (the obvious alternative). docs/STORAGE.md shows the table this prints:
/// <c>dotnet test tests/Mesh.Grains.Tests --filter "FullyQualifiedName~StorageSizeTests" --logger "console;verbosity=detailed"</c>.
/// </summary>
public sealed class StorageSizeTests(ITestOutputHelper output)
{
    private static readonly OrleansBinaryStateSerializer OrleansBinary = new(new ServiceCollection()
        .AddSerializer(b => b.AddAssembly(typeof(ApprovalState).Assembly).AddAssembly(typeof(Contracts.Approvals.ApprovalPolicy).Assembly))
        .BuildServiceProvider()
        .GetRequiredService<Serializer>());

    [Fact]
    public void MessagePack_is_smaller_than_json_for_every_state()
    {
        var messagePack = new MessagePackStateSerializer();
        var table = new StringBuilder()
            .AppendLine("| state | MessagePack | Orleans binary | System.Text.Json | MessagePack / JSON |")
            .AppendLine("|---|---:|---:|---:|---:|");
        var larger = new List<string>();
        long totalPack = 0, totalOrleans = 0, totalJson = 0;
        foreach (var type in StateTypes.All)
        {
            var state = StateSamples.Typical[type]();
            var pack = StoredSize(messagePack, type, state);
            var orleans = StoredSize(OrleansBinary, type, state);
            var json = JsonSerializer.SerializeToUtf8Bytes(state, type).Length;
            (totalPack, totalOrleans, totalJson) = (totalPack + pack, totalOrleans + orleans, totalJson + json);
            table.AppendLine(CultureInfo.InvariantCulture, $"| {type.Name} | {pack:N0} | {orleans:N0} | {json:N0} | {(double)pack / json:P0} |");
            if (pack >= json)
            {
                larger.Add(type.Name);
            }
        }

        table.AppendLine(CultureInfo.InvariantCulture, $"| **all** | {totalPack:N0} | {totalOrleans:N0} | {totalJson:N0} | {(double)totalPack / totalJson:P0} |");
        output.WriteLine(table.ToString());
        Assert.True(larger.Count == 0, $"MessagePack is not smaller than JSON for: {string.Join(", ", larger)}");
    }

    // As a grain's IPersistentState<T> calls it: with T the state type.
    private static int StoredSize(IGrainStorageSerializer serializer, Type type, object state) =>
        ((BinaryData)typeof(IGrainStorageSerializer).GetMethod(nameof(IGrainStorageSerializer.Serialize))!.MakeGenericMethod(type).Invoke(serializer, [state])!).ToArray().Length;
}
