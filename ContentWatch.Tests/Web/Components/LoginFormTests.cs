using Bunit;
using ContentWatch.Tests.Infrastructure;
using ContentWatch.Web.Components.Account;
using Microsoft.AspNetCore.Components.Forms;

namespace ContentWatch.Tests.Web.Components;

public sealed class LoginFormTests(ContentWatchFactory factory) : ComponentTestBase(factory), IClassFixture<ContentWatchFactory>
{
    [Fact]
    public void Form_HasLabelledEmailAndPasswordFields_AndALogInButton()
    {
        var form = Render<LoginForm>(p => p.Add(f => f.Input, new LoginInput()));

        Assert.Equal("email", form.Find("input[name='Input.Email']").GetAttribute("type"));
        Assert.Equal("password", form.Find("input[name='Input.Password']").GetAttribute("type"));
        Assert.Contains(form.FindAll("label"), l => l.TextContent.Contains("Email", StringComparison.Ordinal) && l.GetAttribute("for") == "login-email");
        Assert.Contains(form.FindAll("label"), l => l.TextContent.Contains("Password", StringComparison.Ordinal) && l.GetAttribute("for") == "login-password");
        Assert.Equal("Log in", form.Find("button[type='submit']").TextContent.Trim());
        Assert.Equal("post", form.Find("form").GetAttribute("method"));
    }

    [Fact]
    public void Submit_WithEmptyFields_ShowsMessagesNextToTheFields_AndDoesNotSubmit()
    {
        var submitted = false;
        var form = Render<LoginForm>(p => p
            .Add(f => f.Input, new LoginInput())
            .Add(f => f.OnValidSubmit, (EditContext _) => submitted = true));

        form.Find("form").Submit();

        Assert.False(submitted);
        Assert.Contains("Enter your email address.", form.Markup, StringComparison.Ordinal);
        Assert.Contains("Enter your password.", form.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void Submit_WithAnInvalidEmail_IsRefused()
    {
        var submitted = false;
        var form = Render<LoginForm>(p => p
            .Add(f => f.Input, new LoginInput { Email = "not-an-email", Password = "x" })
            .Add(f => f.OnValidSubmit, (EditContext _) => submitted = true));

        form.Find("form").Submit();

        Assert.False(submitted);
        Assert.Contains("Enter a valid email address.", form.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void Submit_WithBothFields_CallsTheSignIn()
    {
        var submitted = false;
        var form = Render<LoginForm>(p => p
            .Add(f => f.Input, new LoginInput { Email = "admin@contentwatch.local", Password = "secret" })
            .Add(f => f.OnValidSubmit, (EditContext _) => submitted = true));

        form.Find("form").Submit();

        Assert.True(submitted);
    }

    [Fact]
    public void Error_IsShownAsAnAlert()
    {
        var form = Render<LoginForm>(p => p.Add(f => f.Input, new LoginInput()).Add(f => f.Error, "Invalid email or password."));

        Assert.Contains("Invalid email or password.", form.Find("[role='alert']").TextContent, StringComparison.Ordinal);
    }
}
