"""The official `openai` Python package against `aiblock-worker serve`: a completion and a
streamed chat completion, as any script or front-end would make them. Prints one JSON object
(the texts and their `aiblock` trails) for the end-to-end test to check and replay.

    python openai_client.py http://127.0.0.1:8080/v1 aiblock-shakespeare [API_KEY]

(the API key matters to `aiblock-worker proxy --api-key`; `serve` ignores it).
"""

import json
import sys

import openai


def main() -> None:
    base_url, model = sys.argv[1], sys.argv[2]
    api_key = sys.argv[3] if len(sys.argv) > 3 else "not-needed"
    client = openai.OpenAI(base_url=base_url, api_key=api_key, max_retries=0, timeout=120)

    models = client.models.list()
    ids = [m.id for m in models.data]
    assert any(i == model or i.startswith(model + "@") for i in ids), ids

    completion = client.completions.create(
        model=model, prompt="ROMEO:", max_tokens=24, temperature=0.8, seed=7
    )
    choice = completion.choices[0]
    assert choice.finish_reason in ("length", "stop"), choice
    assert completion.usage.completion_tokens >= 1, completion.usage
    completion_trail = completion.model_extra["aiblock"]

    pieces, chat_trail, finish = [], None, None
    stream = client.chat.completions.create(
        model=model,
        messages=[{"role": "user", "content": "Who is there?"}],
        max_tokens=40,
        seed=3,
        stream=True,
    )
    for chunk in stream:
        for c in chunk.choices:
            if c.delta.content:
                pieces.append(c.delta.content)
            finish = c.finish_reason or finish
        extra = chunk.model_extra or {}
        if "aiblock" in extra:
            chat_trail = extra["aiblock"]
    assert finish in ("length", "stop"), finish
    assert chat_trail is not None, "the last chunk carries the trail"

    print(
        json.dumps(
            {
                "models": ids,
                "completion": choice.text,
                "completion_trail": completion_trail,
                "chat": "".join(pieces),
                "chat_trail": chat_trail,
            }
        )
    )


if __name__ == "__main__":
    main()
