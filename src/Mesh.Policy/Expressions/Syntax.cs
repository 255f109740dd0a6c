namespace Mesh.Policy.Expressions;

// The untyped syntax tree of a condition. Positions are offsets into the condition text.

internal abstract record Syntax(int Position);

internal sealed record LiteralSyntax(int Position, Token Token) : Syntax(Position);

internal sealed record PathSyntax(int Position, IReadOnlyList<string> Segments) : Syntax(Position)
{
    public string Name => string.Join('.', Segments);
}

internal sealed record CallSyntax(int Position, string Function, IReadOnlyList<Syntax> Arguments) : Syntax(Position);

internal sealed record UnarySyntax(int Position, TokenKind Operator, Syntax Operand) : Syntax(Position);

internal sealed record BinarySyntax(int Position, TokenKind Operator, Syntax Left, Syntax Right) : Syntax(Position);

internal sealed record ListSyntax(int Position, IReadOnlyList<Syntax> Items) : Syntax(Position);

/// <summary>
/// Recursive-descent parser. Precedence, loosest first: <c>||</c>, <c>&amp;&amp;</c>, <c>!</c>, comparisons and
/// <c>in</c>, then primaries (literals, attribute paths, function calls, <c>x.f(y)</c> method calls, lists, parentheses).
/// </summary>
internal sealed class ExpressionParser
{
    private const int MaxDepth = 64;
    private readonly List<Token> _tokens;
    private int _next;
    private int _depth;

    private ExpressionParser(List<Token> tokens) => _tokens = tokens;

    public static Syntax Parse(string source)
    {
        var parser = new ExpressionParser(Lexer.Tokenize(source));
        var expression = parser.Or();
        var end = parser.Peek;
        return end.Kind == TokenKind.End ? expression : throw new ExpressionException(end.Position, $"unexpected '{end.Text}' after the end of the condition");
    }

    private Token Peek => _tokens[_next];

    private Token Take() => _tokens[_next++];

    private Token Expect(TokenKind kind, string what)
    {
        var token = Take();
        return token.Kind == kind ? token : throw new ExpressionException(token.Position, $"expected {what} but found '{(token.Kind == TokenKind.End ? "the end" : token.Text)}'");
    }

    private Syntax Or()
    {
        var left = And();
        while (Peek.Kind == TokenKind.Or)
        {
            var op = Take();
            left = new BinarySyntax(op.Position, TokenKind.Or, left, And());
        }

        return left;
    }

    private Syntax And()
    {
        var left = Not();
        while (Peek.Kind == TokenKind.And)
        {
            var op = Take();
            left = new BinarySyntax(op.Position, TokenKind.And, left, Not());
        }

        return left;
    }

    private Syntax Not()
    {
        if (Peek.Kind != TokenKind.Not)
        {
            return Comparison();
        }

        var op = Take();
        Enter(op.Position);
        var operand = Not();
        _depth--;
        return new UnarySyntax(op.Position, TokenKind.Not, operand);
    }

    private Syntax Comparison()
    {
        var left = Primary();
        if (Peek.Kind is TokenKind.Equal or TokenKind.NotEqual or TokenKind.Less or TokenKind.LessOrEqual or TokenKind.Greater or TokenKind.GreaterOrEqual or TokenKind.In)
        {
            var op = Take();
            var right = Primary();
            if (Peek.Kind is TokenKind.Equal or TokenKind.NotEqual or TokenKind.Less or TokenKind.LessOrEqual or TokenKind.Greater or TokenKind.GreaterOrEqual or TokenKind.In)
            {
                throw new ExpressionException(Peek.Position, "comparisons cannot be chained; combine them with && or ||");
            }

            return new BinarySyntax(op.Position, op.Kind, left, right);
        }

        return left;
    }

    private Syntax Primary()
    {
        var token = Take();
        switch (token.Kind)
        {
            case TokenKind.String or TokenKind.Number or TokenKind.Duration or TokenKind.True or TokenKind.False:
                return new LiteralSyntax(token.Position, token);
            case TokenKind.LeftParen:
                Enter(token.Position);
                var inner = Or();
                _depth--;
                Expect(TokenKind.RightParen, "')'");
                return inner;
            case TokenKind.LeftBracket:
                return List(token);
            case TokenKind.Identifier:
                return PathOrCall(token);
            default:
                throw new ExpressionException(token.Position, token.Kind == TokenKind.End ? "the condition ends too early" : $"unexpected '{token.Text}'");
        }
    }

    private ListSyntax List(Token open)
    {
        var items = new List<Syntax>();
        if (Peek.Kind != TokenKind.RightBracket)
        {
            do
            {
                items.Add(Primary());
            }
            while (Peek.Kind == TokenKind.Comma && Take().Kind == TokenKind.Comma);
        }

        Expect(TokenKind.RightBracket, "']'");
        return new ListSyntax(open.Position, items);
    }

    private Syntax PathOrCall(Token first)
    {
        if (Peek.Kind == TokenKind.LeftParen)
        {
            return new CallSyntax(first.Position, first.Text, Arguments([]));
        }

        var segments = new List<string> { first.Text };
        while (true)
        {
            if (Peek.Kind == TokenKind.Dot)
            {
                Take();
                var name = Expect(TokenKind.Identifier, "a name after '.'");
                if (Peek.Kind == TokenKind.LeftParen)
                {
                    // x.f(y) is f(x, y): request.target.startsWith("https://")
                    return new CallSyntax(name.Position, name.Text, Arguments([new PathSyntax(first.Position, segments)]));
                }

                segments.Add(name.Text);
            }
            else if (Peek.Kind == TokenKind.LeftBracket)
            {
                Take();
                var key = Expect(TokenKind.String, "a quoted key inside [ ]");
                Expect(TokenKind.RightBracket, "']'");
                segments.Add(key.Text);
            }
            else
            {
                return new PathSyntax(first.Position, segments);
            }
        }
    }

    private List<Syntax> Arguments(List<Syntax> arguments)
    {
        var open = Expect(TokenKind.LeftParen, "'('");
        Enter(open.Position);
        if (Peek.Kind != TokenKind.RightParen)
        {
            do
            {
                arguments.Add(Or());
            }
            while (Peek.Kind == TokenKind.Comma && Take().Kind == TokenKind.Comma);
        }

        _depth--;
        Expect(TokenKind.RightParen, "')'");
        return arguments;
    }

    private void Enter(int position)
    {
        if (++_depth > MaxDepth)
        {
            throw new ExpressionException(position, $"the condition nests deeper than {MaxDepth} levels");
        }
    }
}
