using System.Text.Json.Nodes;

namespace Mesh.Policy.Compilation;

/// <summary>
/// Replaces the secrets of a JSON document in place: the value of every key the audit policy calls secret (at any
/// depth), and every string that looks like a credential wherever it stands. The audit trail replaces them with their
/// hash; views for people who cannot vote replace them with a marker.
/// </summary>
public static class SecretRedaction
{
    /// <summary>Redacts <paramref name="node"/> in place; <paramref name="replace"/> gets the secret as JSON text.</summary>
    public static void RedactJson(JsonNode node, AuditPolicy policy, Func<string, string> replace)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(replace);
        switch (node)
        {
            case JsonObject obj:
                foreach (var key in obj.Select(p => p.Key).ToList())
                {
                    var child = obj[key];
                    if (policy.IsSecret(key) || IsSecretString(child))
                    {
                        obj[key] = replace(child?.ToJsonString() ?? "null");
                    }
                    else if (child is not null)
                    {
                        RedactJson(child, policy, replace);
                    }
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    if (IsSecretString(array[i]))
                    {
                        array[i] = replace(array[i]!.ToJsonString());
                    }
                    else if (array[i] is { } child)
                    {
                        RedactJson(child, policy, replace);
                    }
                }

                break;
        }
    }

    private static bool IsSecretString(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<string>(out var text) && SecretValues.LooksSecret(text);
}
