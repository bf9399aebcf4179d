"""Small helpers shared by the browser tests."""

from __future__ import annotations

from typing import Any

VERIFIER = "/assets/credpages/verifier.js"


def call(page: Any, body: str, arg: Any = None) -> Any:
    """Run ``body`` (an async function body with ``v`` = the verifier module and ``arg``)."""
    return page.evaluate(
        f"async (arg) => {{ const v = await import({VERIFIER!r}); {body} }}",
        arg,
    )


def panel(page: Any, *, timeout: float = 15_000) -> dict[str, Any]:
    """Wait for the #cp-verify panel's final verdict; return verdict, text and steps."""
    page.wait_for_function(
        "() => { const p = document.getElementById('cp-verify');"
        " return p && p.dataset.verdict && p.dataset.verdict !== 'pending'; }",
        timeout=timeout,
    )
    return page.evaluate(
        """() => {
          const p = document.getElementById('cp-verify');
          const steps = {};
          for (const li of p.querySelectorAll('.cp-steps li')) {
            steps[li.dataset.step] = {state: li.dataset.state, text: li.textContent};
          }
          const d = p.querySelector('.cp-issuer-domain');
          const v = p.querySelector('.cp-verdict');
          return {verdict: p.dataset.verdict, text: v.textContent,
                  steps, domain: d ? d.textContent : null,
                  live: v.getAttribute('aria-live')};
        }"""
    )


def drop_file(page: Any, text: str, name: str = "dropped.json") -> None:
    """Drop a file holding ``text`` on #cp-drop, as a drag and drop from the desktop does."""
    page.evaluate(
        """([text, name]) => {
          const dt = new DataTransfer();
          dt.items.add(new File([text], name, {type: 'application/json'}));
          const drop = new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true});
          document.getElementById('cp-drop').dispatchEvent(drop);
        }""",
        [text, name],
    )


def states(result: dict[str, Any]) -> dict[str, str]:
    return {k: v["state"] for k, v in result["steps"].items()}
