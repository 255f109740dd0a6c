using Orleans.Serialization;
using Orleans.Storage;

namespace Mesh.Silo.Storage;

/// <summary>
/// Stores grain state in Orleans' own binary format: compact, and tolerant of added fields because every state
/// member carries an explicit <c>[Id]</c>.
/// </summary>
internal sealed class OrleansBinaryStateSerializer(Serializer serializer) : IGrainStorageSerializer
{
    public BinaryData Serialize<T>(T? input) => new(serializer.SerializeToArray(input));

    public T Deserialize<T>(BinaryData input) => serializer.Deserialize<T>(input.ToArray())
        ?? throw new InvalidDataException($"Stored state of type {typeof(T).Name} deserialized to nothing.");
}
