"""PyTorch import (archcost/frontends/torch_import.py): hand-written modules in the styles of
torchvision's networks, traced symbolically. The reference for every number is torch itself:
parameters are sum(p.numel() for p in module.parameters()), and each layer's shape is the output
shape of that module in a real forward pass (forward hooks), run here only to check the import.
"""

import pytest

torch = pytest.importorskip("torch")
nn = torch.nn

import archcost  # noqa: E402
from archcost import ArchcostError  # noqa: E402


def torch_shapes(module, input):
    """{module name: output shape without the batch axis} from a real forward pass."""
    shapes = {}

    def hook(name):
        def record(module, inputs, out):
            shapes.setdefault(name, tuple(out.shape[1:]))    # returns None: the output stays as it is
        return record
    for name, m in module.named_modules():
        if name and not list(m.children()):
            m.register_forward_hook(hook(name))
    module.eval()
    with torch.no_grad():
        module(torch.zeros(1, *input))
    return shapes


def check(module, input):
    """The import's parameters and every module layer's shape agree with torch's."""
    r = archcost.from_torch(module, input=input)
    assert r.totals.params == sum(p.numel() for p in module.parameters())
    ours = {x.name: x.output_shape for x in r.layers}
    theirs = torch_shapes(module, input)
    shared = [n for n in theirs if n in ours]
    assert shared and {n: ours[n] for n in shared} == {n: theirs[n] for n in shared}
    return r


class BasicBlock(nn.Module):
    """torchvision's ResNet BasicBlock, as written there (one ReLU module called twice)."""

    def __init__(self, c_in, c_out, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.downsample = None
        if stride != 1 or c_in != c_out:
            self.downsample = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out))

    def forward(self, x):
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        return self.relu(out + identity)


class SmallResNet(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        self.layer1 = nn.Sequential(BasicBlock(16, 16), BasicBlock(16, 16))
        self.layer2 = nn.Sequential(BasicBlock(16, 32, 2), BasicBlock(32, 32))
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(32, classes)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer2(self.layer1(x))
        return self.fc(torch.flatten(self.avgpool(x), 1))


class Inception(nn.Module):
    """torchvision's GoogLeNet Inception module: four branches joined by torch.cat."""

    def __init__(self, c_in, ch1, ch3r, ch3, ch5r, ch5, proj):
        super().__init__()
        conv = lambda i, o, k: nn.Sequential(nn.Conv2d(i, o, k, padding=k // 2), nn.ReLU(inplace=True))  # noqa: E731
        self.branch1 = conv(c_in, ch1, 1)
        self.branch2 = nn.Sequential(conv(c_in, ch3r, 1), conv(ch3r, ch3, 3))
        self.branch3 = nn.Sequential(conv(c_in, ch5r, 1), conv(ch5r, ch5, 5))
        self.branch4 = nn.Sequential(nn.MaxPool2d(3, 1, 1, ceil_mode=True), conv(c_in, proj, 1))

    def forward(self, x):
        return torch.cat([self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)], 1)


class SmallGoogLeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 64, 7, 2, 3), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2, ceil_mode=True))
        self.inception3a = Inception(64, 64, 96, 128, 16, 32, 32)    # GoogLeNet's 3a filter counts
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.dropout = nn.Dropout(0.2)
        self.fc = nn.Linear(256, 10)

    def forward(self, x):
        x = self.avgpool(self.inception3a(self.stem(x)))
        return self.fc(self.dropout(x.view(x.size(0), -1)))


class SEShuffle(nn.Module):
    """A squeeze-and-excitation (x * sigmoid gate) and a ShuffleNet V2 unit (chunk, channel shuffle as
    torchvision writes it: view, transpose, contiguous, view), with SiLU as x * sigmoid(x)."""

    def __init__(self, c=32):
        super().__init__()
        self.conv = nn.Conv2d(3, c, 3, padding=1)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(c, c // 4, 1)
        self.fc2 = nn.Conv2d(c // 4, c, 1)
        self.branch = nn.Sequential(nn.Conv2d(c // 2, c // 2, 3, padding=1, groups=c // 2), nn.BatchNorm2d(c // 2))

    def forward(self, x):
        x = self.conv(x)
        x = x * torch.sigmoid(x)                                   # SiLU, spelled out
        x = x * torch.sigmoid(self.fc2(torch.relu(self.fc1(self.pool(x)))))
        a, b = x.chunk(2, dim=1)
        x = torch.cat((a, self.branch(b)), dim=1)
        n, c, h, w = x.size()
        x = x.view(n, 2, c // 2, h, w)
        x = torch.transpose(x, 1, 2).contiguous()
        return x.view(n, -1, h, w)


def test_sequential():
    net = nn.Sequential(nn.Conv2d(3, 64, 11, 4, 2), nn.ReLU(), nn.MaxPool2d(3, 2), nn.Flatten(),
                        nn.Linear(64 * 27 * 27, 10))
    r = check(net, (3, 227, 227))
    # the lecture's AlexNet conv1 (EECS 498 lecture 8): 64 x 56 x 56, 784 KB, 23,296 parameters, 73,056,256 FLOPs
    assert (r.layer("0").output_shape, r.layer("0").memory_kb, r.layer("0").params, r.layer("0").flops) == (
        (64, 56, 56), 784.0, 23296, 73056256)


def test_residual_network():
    r = check(SmallResNet(), (3, 64, 64))
    add = r.layer("add")
    assert add.inputs == ("layer1.0.bn2", "maxpool")      # the identity shortcut reads the block's input
    assert r.layer("layer2.0.downsample.0").output_shape == (32, 8, 8)
    assert [x.name for x in r.layers if x.name.startswith("layer1.0.relu")] == ["layer1.0.relu", "layer1.0.relu_2"]


def test_concatenating_network():
    r = check(SmallGoogLeNet(), (3, 64, 64))
    cat = r.layer("cat")
    assert cat.op == "concat" and cat.output_shape == (64 + 128 + 32 + 32, 16, 16)   # GoogLeNet 3a: 256 out


def test_gates_chunks_and_channel_shuffle():
    net = SEShuffle()
    r = check(net, (3, 16, 16))
    assert [x.op for x in r.layers] == ["conv", "silu", "globalavgpool", "conv", "relu", "conv", "sigmoid", "mul",
                                       "slice", "slice", "conv", "batchnorm", "concat", "channel_shuffle"]
    assert r.layers[-1].output_shape == tuple(net(torch.zeros(1, 3, 16, 16)).shape[1:])


def test_a_module_with_control_flow_on_values_is_a_clear_error():
    class Branchy(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 8, 3)

        def forward(self, x):
            if x.sum() > 0:             # data-dependent: torch.fx cannot trace it
                x = -x
            return self.conv(x)

    with pytest.raises(ArchcostError, match=r"Branchy cannot be traced symbolically by torch.fx: TraceError: "
                                            r"symbolically traced variables cannot be used as inputs to control flow"):
        archcost.from_torch(Branchy(), input=(3, 8, 8))


def test_an_unmapped_layer_is_named():
    net = nn.Sequential(nn.Conv2d(3, 8, 3), nn.PixelShuffle(2))
    with pytest.raises(ArchcostError, match=r"layer '1': archcost has no mapping for PixelShuffle"):
        archcost.from_torch(net, input=(3, 8, 8))


def test_a_module_called_twice_counts_its_weights_once():
    conv = nn.Conv2d(8, 8, 3, padding=1)
    net = nn.Sequential(nn.Conv2d(3, 8, 1), conv, conv)
    r = archcost.from_torch(net, input=(3, 8, 8))
    # sum(p.numel()) counts the shared conv once: 3 x 8 + 8 + 8 x 8 x 9 + 8 = 616 (torch 2.13)
    assert r.totals.params == sum(p.numel() for p in net.parameters()) == 616
    assert r.layer("1_2").tied == (("weight", "1", 576), ("bias", "1", 8))
