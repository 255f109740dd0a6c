using System.Collections.Frozen;
using System.Globalization;
using System.Net;
using Mesh.Policy.Evaluation;
using Mesh.Policy.Matching;

namespace Mesh.Policy.Expressions;

/// <summary>
/// Type-checks a condition and compiles it to a delegate, once. Every type error is found here, at validation, never
/// at evaluation. The delegates allocate nothing for the usual conditions (comparisons, sets, globs, prefixes).
/// </summary>
internal sealed class ConditionCompiler
{
    private readonly LabelOrder _labels;

    private ConditionCompiler(LabelOrder labels) => _labels = labels;

    private sealed record Bound(ExprType Type, Evaluator Eval, object? Constant = null, string? Path = null);

    /// <summary>Compiles a boolean condition or throws <see cref="ExpressionException"/> at the offending offset.</summary>
    public static Evaluator Compile(string source, LabelOrder labels)
    {
        var bound = new ConditionCompiler(labels).Bind(ExpressionParser.Parse(source));
        return bound.Type == ExprType.Bool
            ? bound.Eval
            : throw new ExpressionException(0, $"a condition must be true or false, but this one is a {Describe(bound.Type)}");
    }

    private static string Describe(ExprType type) => type switch
    {
        ExprType.StringSet => "set of strings",
        ExprType.Bool => "boolean",
        _ => type.ToString().ToLowerInvariant(),
    };

    private Bound Bind(Syntax syntax) => syntax switch
    {
        LiteralSyntax literal => BindLiteral(literal.Token),
        PathSyntax path => BindPath(path),
        UnarySyntax unary => BindNot(unary),
        BinarySyntax { Operator: TokenKind.And or TokenKind.Or } logic => BindLogic(logic),
        BinarySyntax { Operator: TokenKind.In } membership => BindIn(membership),
        BinarySyntax comparison => BindComparison(comparison),
        CallSyntax call => BindCall(call),
        ListSyntax list => throw new ExpressionException(list.Position, "a list can only stand on the right of 'in'"),
        _ => throw new ExpressionException(syntax.Position, "unsupported expression"),
    };

    private static Bound BindLiteral(Token token) => token.Kind switch
    {
        TokenKind.True => Constant(ExprType.Bool, Value.True, true),
        TokenKind.False => Constant(ExprType.Bool, Value.False, false),
        TokenKind.Number => Constant(ExprType.Number, Value.Of(token.Number), token.Number),
        TokenKind.Duration => Constant(ExprType.Duration, Value.Of(token.Number), token.Number),
        _ => Constant(ExprType.String, Value.Of(token.Text), token.Text),
    };

    private static Bound Constant(ExprType type, Value value, object constant) => new(type, (in PolicyInput _) => value, constant);

    private Bound BindPath(PathSyntax path)
    {
        var attribute = AttributeCatalog.Resolve(path.Segments, _labels)
            ?? throw new ExpressionException(path.Position, $"unknown attribute '{path.Name}'; known attributes: {string.Join(", ", AttributeCatalog.Names)}");
        return new Bound(attribute.Type, attribute.Read, Path: path.Name);
    }

    private Bound BindNot(UnarySyntax unary)
    {
        var operand = Expect(Bind(unary.Operand), ExprType.Bool, unary.Operand.Position, "'!'");
        var eval = operand.Eval;
        return new Bound(ExprType.Bool, (in PolicyInput i) => Value.Not(eval(i)));
    }

    private Bound BindLogic(BinarySyntax logic)
    {
        var op = logic.Operator == TokenKind.And ? "'&&'" : "'||'";
        var left = Expect(Bind(logic.Left), ExprType.Bool, logic.Left.Position, op).Eval;
        var right = Expect(Bind(logic.Right), ExprType.Bool, logic.Right.Position, op).Eval;
        if (logic.Operator == TokenKind.And)
        {
            return new Bound(ExprType.Bool, (in PolicyInput i) =>
            {
                var l = left(i);
                return !l.IsUndefined && !l.AsBool ? Value.False : Value.And(l, right(i));
            });
        }

        return new Bound(ExprType.Bool, (in PolicyInput i) =>
        {
            var l = left(i);
            return !l.IsUndefined && l.AsBool ? Value.True : Value.Or(l, right(i));
        });
    }

    private Bound BindIn(BinarySyntax membership)
    {
        var item = Expect(Bind(membership.Left), ExprType.String, membership.Left.Position, "'in'").Eval;
        if (membership.Right is ListSyntax list)
        {
            var values = list.Items.Select(x => Bind(x) is { Type: ExprType.String, Constant: string s } ? s : throw new ExpressionException(x.Position, "a list holds quoted strings only")).ToFrozenSet(StringComparer.Ordinal);
            return new Bound(ExprType.Bool, (in PolicyInput i) =>
            {
                var v = item(i);
                return v.IsUndefined ? Value.Undefined : Value.Of(values.Contains(v.Text!));
            });
        }

        var set = Expect(Bind(membership.Right), ExprType.StringSet, membership.Right.Position, "the right of 'in'").Eval;
        return new Bound(ExprType.Bool, (in PolicyInput i) => SetContains(set(i), item(i)));
    }

    private static Value SetContains(Value set, Value item)
    {
        if (set.IsUndefined || item.IsUndefined)
        {
            return Value.Undefined;
        }

        foreach (var member in set.Set)
        {
            if (string.Equals(member, item.Text, StringComparison.Ordinal))
            {
                return Value.True;
            }
        }

        return Value.False;
    }

    private Bound BindComparison(BinarySyntax comparison)
    {
        var left = Bind(comparison.Left);
        var right = Bind(comparison.Right);

        // A label compares with a quoted label name by the policy's label order.
        (left, right) = (ToLabel(left, right, comparison.Right.Position), ToLabel(right, left, comparison.Left.Position));

        if (left.Type != right.Type)
        {
            throw new ExpressionException(comparison.Position, $"cannot compare a {Describe(left.Type)} with a {Describe(right.Type)}");
        }

        var ordered = comparison.Operator is TokenKind.Less or TokenKind.LessOrEqual or TokenKind.Greater or TokenKind.GreaterOrEqual;
        if (ordered && left.Type is not (ExprType.Number or ExprType.Duration or ExprType.Timestamp or ExprType.Label))
        {
            throw new ExpressionException(comparison.Position, $"'<', '<=', '>' and '>=' compare numbers, durations, times and labels, not a {Describe(left.Type)}");
        }

        if (left.Type is ExprType.StringSet)
        {
            throw new ExpressionException(comparison.Position, "sets cannot be compared; use 'x in set' or contains(set, x)");
        }

        var l = left.Eval;
        var r = right.Eval;
        var op = comparison.Operator;
        if (left.Type is ExprType.String)
        {
            var equal = op == TokenKind.Equal;
            return new Bound(ExprType.Bool, (in PolicyInput i) =>
            {
                var a = l(i);
                var b = r(i);
                return a.IsUndefined || b.IsUndefined ? Value.Undefined : Value.Of(string.Equals(a.Text, b.Text, StringComparison.Ordinal) == equal);
            });
        }

        return new Bound(ExprType.Bool, (in PolicyInput i) =>
        {
            var a = l(i);
            var b = r(i);
            if (a.IsUndefined || b.IsUndefined)
            {
                return Value.Undefined;
            }

            return Value.Of(op switch
            {
                TokenKind.Equal => a.Number == b.Number,
                TokenKind.NotEqual => a.Number != b.Number,
                TokenKind.Less => a.Number < b.Number,
                TokenKind.LessOrEqual => a.Number <= b.Number,
                TokenKind.Greater => a.Number > b.Number,
                _ => a.Number >= b.Number,
            });
        });
    }

    private Bound ToLabel(Bound candidate, Bound other, int position)
    {
        if (other.Type != ExprType.Label || candidate.Type != ExprType.String)
        {
            return candidate;
        }

        if (candidate.Constant is not string name)
        {
            throw new ExpressionException(position, "a label compares only with a quoted label name, e.g. session.max_label >= \"confidential\"");
        }

        var rank = _labels.RankOf(name);
        if (rank < 0)
        {
            throw new ExpressionException(position, $"'{name}' is not a label of this policy; labels in order: {string.Join(" < ", _labels.Labels)}");
        }

        return Constant(ExprType.Label, Value.Of(rank), rank);
    }

    private Bound BindCall(CallSyntax call)
    {
        var args = call.Arguments;
        void Arity(int count)
        {
            if (args.Count != count)
            {
                throw new ExpressionException(call.Position, $"{call.Function}() takes {count} argument(s), not {args.Count}");
            }
        }

        switch (call.Function)
        {
            case "has":
            {
                Arity(1);
                var attribute = Bind(args[0]);
                if (attribute.Path is null)
                {
                    throw new ExpressionException(args[0].Position, "has() takes an attribute, e.g. has(request.attributes.ticket)");
                }

                var eval = attribute.Eval;
                return new Bound(ExprType.Bool, (in PolicyInput i) => Value.Of(!eval(i).IsUndefined));
            }

            case "glob":
            {
                Arity(2);
                var subject = Expect(Bind(args[0]), ExprType.String, args[0].Position, "glob()").Eval;
                var pattern = ConstantString(args[1], "glob()");
                var glob = Glob.Compile(pattern);
                return new Bound(ExprType.Bool, (in PolicyInput i) =>
                {
                    var v = subject(i);
                    return v.IsUndefined ? Value.Undefined : Value.Of(glob.IsMatch(v.Text));
                });
            }

            case "cidr":
            {
                Arity(2);
                var subject = Expect(Bind(args[0]), ExprType.String, args[0].Position, "cidr()").Eval;
                var text = ConstantString(args[1], "cidr()");
                if (!IPNetwork.TryParse(text, out var network))
                {
                    throw new ExpressionException(args[1].Position, $"'{text}' is not a CIDR range such as 10.0.0.0/8 or fd00::/8");
                }

                return new Bound(ExprType.Bool, (in PolicyInput i) =>
                {
                    var v = subject(i);
                    return v.IsUndefined ? Value.Undefined
                        : IPAddress.TryParse(v.Text, out var address) ? Value.Of(network.Contains(address)) : Value.False;
                });
            }

            case "startsWith" or "endsWith":
            {
                Arity(2);
                var subject = Expect(Bind(args[0]), ExprType.String, args[0].Position, call.Function + "()").Eval;
                var affix = Expect(Bind(args[1]), ExprType.String, args[1].Position, call.Function + "()").Eval;
                var starts = call.Function == "startsWith";
                return new Bound(ExprType.Bool, (in PolicyInput i) =>
                {
                    var a = subject(i);
                    var b = affix(i);
                    return a.IsUndefined || b.IsUndefined ? Value.Undefined
                        : Value.Of(starts ? a.Text!.StartsWith(b.Text!, StringComparison.Ordinal) : a.Text!.EndsWith(b.Text!, StringComparison.Ordinal));
                });
            }

            case "contains":
            {
                Arity(2);
                var container = Bind(args[0]);
                var item = Expect(Bind(args[1]), ExprType.String, args[1].Position, "contains()").Eval;
                var eval = container.Eval;
                return container.Type switch
                {
                    ExprType.StringSet => new Bound(ExprType.Bool, (in PolicyInput i) => SetContains(eval(i), item(i))),
                    ExprType.String => new Bound(ExprType.Bool, (in PolicyInput i) =>
                    {
                        var a = eval(i);
                        var b = item(i);
                        return a.IsUndefined || b.IsUndefined ? Value.Undefined : Value.Of(a.Text!.Contains(b.Text!, StringComparison.Ordinal));
                    }),
                    _ => throw new ExpressionException(args[0].Position, $"contains() looks inside a string or a set, not a {Describe(container.Type)}"),
                };
            }

            case "timestamp":
            {
                Arity(1);
                var text = ConstantString(args[0], "timestamp()");
                return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
                    ? Constant(ExprType.Timestamp, Value.Of(at.UtcTicks), at.UtcTicks)
                    : throw new ExpressionException(args[0].Position, $"'{text}' is not a time such as 2026-12-31T18:00:00Z");
            }

            case "size":
            {
                Arity(1);
                var set = Expect(Bind(args[0]), ExprType.StringSet, args[0].Position, "size()").Eval;
                return new Bound(ExprType.Number, (in PolicyInput i) => set(i) is { IsUndefined: false } v ? Value.Of(v.Set.Length) : Value.Undefined);
            }

            default:
                throw new ExpressionException(call.Position, $"unknown function '{call.Function}'; functions: has, glob, cidr, startsWith, endsWith, contains, timestamp, size");
        }
    }

    private string ConstantString(Syntax syntax, string function) =>
        Bind(syntax) is { Type: ExprType.String, Constant: string text }
            ? text
            : throw new ExpressionException(syntax.Position, $"{function} needs a quoted string here");

    private static Bound Expect(Bound bound, ExprType type, int position, string where) =>
        bound.Type == type ? bound : throw new ExpressionException(position, $"{where} needs a {Describe(type)} here, but this is a {Describe(bound.Type)}");
}
