"""Mandate for LangChain 1.x: every tool call of an agent scoped, proxied and audited, with no credential in the agent.

    from langchain.agents import create_agent
    from mandate import Mandate
    from mandate.langchain import MandateCallbackHandler, MandateMiddleware, proxied_tool

    mandate = Mandate(agent_id="agt_...")
    with mandate.mission(intent="Triage tickets", services=["slack"], checkpoint_interval="5m") as mission:
        post = proxied_tool(mission, name="post_to_slack", description="Post a message to a Slack channel",
                            service="slack", method="POST", url="https://slack.com/api/chat.postMessage",
                            args_schema=PostMessage)
        agent = create_agent(model, [post], middleware=[MandateMiddleware(mission)])
        agent.invoke({"messages": [...]}, config={"callbacks": [MandateCallbackHandler(mission)]})

* ``proxied_tool``: a tool that is one HTTP call through the credential proxy (the secret is added there).
* ``mandate_tool``: declare the scope (service, action, a named intent) of a tool of your own.
* ``MandateMiddleware``: before each tool call, the mission's scope (no network) and approvals; records each call.
* ``MandateCallbackHandler``: records each tool call of any runnable, once, with its outcome.

Requires the ``langchain`` extra: ``pip install 'mandate[langchain]'``.
"""

from ._scope import DEFAULT_SERVICE, HttpCall, MandateScope, mandate_tool
from .callbacks import MandateCallbackHandler
from .middleware import MandateMiddleware
from .tools import proxied_tool

__all__ = [
    "DEFAULT_SERVICE",
    "HttpCall",
    "MandateCallbackHandler",
    "MandateMiddleware",
    "MandateScope",
    "mandate_tool",
    "proxied_tool",
]
