"""Label Studio: tasks JSON (one task per item, data keys ``pair_id``, ``source_url``,
``target_url``) and the XML labeling config with a TextArea named ``instruction``."""

from __future__ import annotations

import json
from pathlib import Path
from xml.sax.saxutils import quoteattr

from ...files import write_atomic


def config(task: str, example: str, min_length: int) -> str:
    header = quoteattr(task)
    hint = quoteattr(f"Example: {example}")
    return f"""<View>
  <Header value={header}/>
  <View style="display: flex; gap: 2em;">
    <Image name="source" value="$source_url" width="192px"/>
    <Image name="target" value="$target_url" width="192px"/>
  </View>
  <Header value={hint} size="6"/>
  <TextArea name="instruction" toName="source,target" required="true" maxSubmissions="1"
            rows="3" placeholder="At least {int(min_length)} characters"/>
</View>
"""


def tasks(items) -> list[dict]:
    return [{"data": it.row()} for it in items]


def write(batches, folder: Path, options) -> None:
    write_atomic(folder / "config.xml", config(options.task_text, options.example, options.min_length))
    for number, items in enumerate(batches, start=1):
        write_atomic(folder / f"tasks-{number:03d}.json", json.dumps(tasks(items), indent=1) + "\n")
