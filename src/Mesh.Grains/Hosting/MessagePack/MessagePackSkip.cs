using MessagePack;

namespace Mesh.Grains.Hosting.MessagePackState;

/// <summary>Skips values written by a newer version of a state type.</summary>
internal static class MessagePackSkip
{
    /// <summary>
    /// Skips one value, however deeply nested, without recursion: a stored row, even a corrupt or hostile one, can
    /// make this loop long but never overflow the stack. Lengths are checked against the bytes left by the reader.
    /// </summary>
    public static void Value(ref MessagePackReader reader)
    {
        long pending = 1;
        while (pending-- > 0)
        {
            switch (reader.NextMessagePackType)
            {
                case MessagePackType.Array:
                    pending += reader.ReadArrayHeader();
                    break;
                case MessagePackType.Map:
                    pending += 2L * reader.ReadMapHeader();
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }
    }
}
