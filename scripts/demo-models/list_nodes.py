"""Prints `node.name [op] -> output` for the nodes of an ONNX model whose name matches a regex.

  /usr/bin/python3 scripts/demo-models/list_nodes.py models/emoji-resnet.onnx 'relu_1/Relu$'
  /usr/bin/python3 scripts/demo-models/list_nodes.py models/emoji-vit.onnx 'mlp/act/'

Needs Debian's python3-onnx (only for this inspection; training does not).
"""
import sys

sys.dont_write_bytecode = True

import re
from collections import Counter

import onnx


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    model = onnx.load(sys.argv[1])
    pattern = re.compile(sys.argv[2]) if len(sys.argv) > 2 else None
    g = model.graph
    print(f"opset {[(o.domain or 'ai.onnx', o.version) for o in model.opset_import]}; "
          f"{len(g.node)} nodes; initializers {len(g.initializer)}; "
          f"ops {dict(sorted(Counter(n.op_type for n in g.node).items()))}")
    for n in g.node:
        if pattern is None or pattern.search(n.name):
            print(f"{n.name} [{n.op_type}] -> {', '.join(n.output)}")


if __name__ == "__main__":
    main()
