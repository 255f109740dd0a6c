using Mesh.Policy.Model;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Mesh.Policy.Parsing;

/// <summary>
/// Reads typed values out of YAML nodes, reporting each problem with the node's line and column and never throwing:
/// the compiler collects every error of a document in one pass.
/// </summary>
internal sealed class YamlReader(List<PolicyError> errors)
{
    public string? RuleId { get; set; }

    public void Error(YamlNode? node, string message) =>
        errors.Add(new PolicyError((int)(node?.Start.Line ?? 0), (int)(node?.Start.Column ?? 0), RuleId, message));

    public void Error(Mark mark, string message) => errors.Add(new PolicyError((int)mark.Line, (int)mark.Column, RuleId, message));

    public int ErrorCount => errors.Count;

    /// <summary>
    /// The root node of <paramref name="text"/>, a single YAML document, or null with the reason reported. The
    /// document's shape is checked against <see cref="YamlLimits"/> first, so a document too deep, too large or with
    /// aliases that expand too far never reaches YamlDotNet's node tree (see <see cref="YamlShape"/>). Every YAML
    /// document Mesh reads comes in here.
    /// </summary>
    public YamlNode? Load(string text, string what)
    {
        if (YamlShape.Check(text) is { } refused)
        {
            errors.Add(refused with { RuleId = RuleId });
            return null;
        }

        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            if (stream.Documents.Count != 1)
            {
                Error((YamlNode?)null, stream.Documents.Count == 0 ? "the document is empty" : $"{what} holds exactly one YAML document");
                return null;
            }

            return stream.Documents[0].RootNode;
        }
        catch (YamlException ex)
        {
            Error(ex.Start, "YAML syntax: " + (ex.InnerException?.Message ?? ex.Message));
            return null;
        }
    }

    /// <summary>The mapping's entries by key, reporting keys that are not allowed and keys given twice.</summary>
    public Dictionary<string, YamlNode> Mapping(YamlNode? node, string what, IReadOnlyCollection<string> allowed)
    {
        var entries = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        if (node is not YamlMappingNode mapping)
        {
            Error(node, $"{what} must be a mapping of keys to values");
            return entries;
        }

        foreach (var (keyNode, value) in mapping.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value ?? string.Empty;
            if (!allowed.Contains(key))
            {
                Error(keyNode, $"unknown key '{key}' in {what}; allowed: {string.Join(", ", allowed)}");
            }
            else if (!entries.TryAdd(key, value))
            {
                Error(keyNode, $"'{key}' is given twice in {what}");
            }
        }

        return entries;
    }

    public string? String(Dictionary<string, YamlNode> map, string key, string what)
    {
        if (!map.TryGetValue(key, out var node))
        {
            return null;
        }

        if (node is YamlScalarNode { Value: { } text })
        {
            return text;
        }

        Error(node, $"{what} must be a single value");
        return null;
    }

    public List<(string Value, YamlNode Node)> Strings(Dictionary<string, YamlNode> map, string key, string what)
    {
        var result = new List<(string, YamlNode)>();
        if (!map.TryGetValue(key, out var node))
        {
            return result;
        }

        switch (node)
        {
            case YamlScalarNode { Value: { } single }:
                result.Add((single, node));
                break;
            case YamlSequenceNode sequence:
                foreach (var item in sequence.Children)
                {
                    if (item is YamlScalarNode { Value: { } text } && text.Length > 0)
                    {
                        result.Add((text, item));
                    }
                    else
                    {
                        Error(item, $"{what} must hold non-empty strings");
                    }
                }

                break;
            default:
                Error(node, $"{what} must be a list of strings");
                break;
        }

        return result;
    }

    public int? Integer(Dictionary<string, YamlNode> map, string key, string what, int min, int max)
    {
        if (String(map, key, what) is not { } text)
        {
            return null;
        }

        if (int.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }

        Error(map[key], $"{what} must be a whole number from {min} to {max} (found '{text}')");
        return null;
    }

    public bool? Boolean(Dictionary<string, YamlNode> map, string key, string what)
    {
        if (String(map, key, what) is not { } text)
        {
            return null;
        }

        if (text is "true" or "false")
        {
            return text == "true";
        }

        Error(map[key], $"{what} must be true or false (found '{text}')");
        return null;
    }

    public TimeSpan? Duration(Dictionary<string, YamlNode> map, string key, string what)
    {
        if (String(map, key, what) is not { } text)
        {
            return null;
        }

        if (Compilation.Durations.TryParse(text, out var duration))
        {
            return duration;
        }

        Error(map[key], $"{what} '{text}' is not a duration such as 30s, 15m, 2h or 1d");
        return null;
    }
}
