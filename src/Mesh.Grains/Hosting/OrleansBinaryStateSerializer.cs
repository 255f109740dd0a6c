using Orleans.Serialization;
using Orleans.Storage;

namespace Mesh.Grains.Hosting;

/// <summary>
/// Stores grain state in Orleans' own binary format: compact, and tolerant of added fields because every state
/// member carries an explicit <c>[Id]</c>. Every storage provider Mesh registers uses it (Orleans' default JSON
/// serializer cannot read Mesh's immutable records back).
/// </summary>
public sealed class OrleansBinaryStateSerializer(Serializer serializer) : IGrainStorageSerializer
{
    /// <inheritdoc />
    public BinaryData Serialize<T>(T? input) => new(serializer.SerializeToArray(input));

    /// <inheritdoc />
    public T Deserialize<T>(BinaryData input) => serializer.Deserialize<T>(input.ToArray())
        ?? throw new InvalidDataException($"Stored state of type {typeof(T).Name} deserialized to nothing.");
}
