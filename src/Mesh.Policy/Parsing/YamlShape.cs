using Mesh.Policy.Model;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Mesh.Policy.Parsing;

/// <summary>
/// Checks a YAML document's shape against <see cref="YamlLimits"/> from YamlDotNet's event stream, before any node
/// tree is built. YamlDotNet builds its node tree recursively (one stack frame per level, so a deep document is an
/// uncatchable stack overflow) and resolves aliases to shared nodes (so a walk of the tree does the work of every
/// copy). Its event parser keeps its state on heap stacks instead: reading events with no recursion, stopping at the
/// first level past <see cref="YamlLimits.MaxDepth"/>, costs time linear in the bytes read. Both stages read the
/// same tokens, so what this check measures is what the tree would have been.
/// </summary>
internal static class YamlShape
{
    /// <summary>The first bound the document breaks, or a syntax error, with its position; null when within bounds.</summary>
    public static PolicyError? Check(string text)
    {
        if (text.Length > YamlLimits.MaxDocumentLength)
        {
            return new PolicyError(0, 0, null, $"the document is {text.Length} characters long; the limit is {YamlLimits.MaxDocumentLength}");
        }

        var open = new Stack<(string? Anchor, long Start)>();

        // The size of every anchored node read so far (aliases are copies of it), or -1 while it is still open: an
        // alias inside the node it names would make the tree a cycle.
        var anchors = new Dictionary<string, long>(StringComparer.Ordinal);
        long nodes = 0;
        var parser = new Parser(new StringReader(text));
        try
        {
            while (parser.MoveNext())
            {
                var current = parser.Current!;
                long added;
                switch (current)
                {
                    case Scalar scalar:
                        added = 1;
                        if (!scalar.Anchor.IsEmpty)
                        {
                            anchors[scalar.Anchor.Value] = 1;
                        }

                        break;
                    case NodeEvent collection when current is SequenceStart or MappingStart:
                        if (open.Count >= YamlLimits.MaxDepth)
                        {
                            return At(current.Start, $"the document nests lists and mappings more than {YamlLimits.MaxDepth} levels deep; flatten it");
                        }

                        added = 1;
                        var anchor = collection.Anchor.IsEmpty ? null : collection.Anchor.Value;
                        open.Push((anchor, nodes));
                        if (anchor is not null)
                        {
                            anchors[anchor] = -1;
                        }

                        break;
                    case SequenceEnd or MappingEnd:
                        var (closed, start) = open.Pop();

                        // Only the latest definition of a name counts: an inner node may have taken the name since.
                        if (closed is not null && anchors[closed] == -1)
                        {
                            anchors[closed] = nodes - start;
                        }

                        continue;
                    case AnchorAlias alias:
                        if (!anchors.TryGetValue(alias.Value.Value, out added))
                        {
                            return At(current.Start, $"alias '*{alias.Value.Value}' names no anchor defined before it");
                        }

                        if (added < 0)
                        {
                            return At(current.Start, $"alias '*{alias.Value.Value}' is inside the node it names (a cycle)");
                        }

                        break;
                    default:
                        continue;
                }

                nodes += added;
                if (nodes > YamlLimits.MaxNodes)
                {
                    return At(current.Start, $"the document holds more than {YamlLimits.MaxNodes} nodes once its aliases are expanded; use fewer aliases or a smaller document");
                }
            }
        }
        catch (YamlException ex)
        {
            return At(ex.Start, "YAML syntax: " + (ex.InnerException?.Message ?? ex.Message));
        }

        return null;
    }

    private static PolicyError At(Mark mark, string message) => new((int)mark.Line, (int)mark.Column, null, message);
}
