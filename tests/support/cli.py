"""Running the `sigmasight` CLI in process: one call asserts the exit code and that no traceback leaked."""

from typer.testing import CliRunner

from sigmasight_assets.cli import app

OWNER = "pm@example.com"
RUNNER = CliRunner()


def cli(*args: str, code: int = 0):
    """Invoke `sigmasight ARGS…`; the result, after checking its exit code and output."""
    result = RUNNER.invoke(app, list(args))
    assert result.exit_code == code, (result.stdout, result.stderr, result.exception)
    assert "Traceback" not in result.output
    return result
