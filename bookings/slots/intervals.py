"""Sorted, merged, disjoint spans of epoch seconds: the arithmetic of free time."""

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import datetime


def epoch(value: datetime) -> float:
    return value.timestamp()


@dataclass
class Intervals:
    """Sorted, merged, disjoint ``[start, end)`` spans in epoch seconds."""

    starts: list[float] = field(default_factory=list)
    ends: list[float] = field(default_factory=list)

    @classmethod
    def of(cls, spans: list[tuple[float, float]]) -> "Intervals":
        merged = cls()
        for start, end in sorted(spans):
            if merged.ends and start <= merged.ends[-1]:
                merged.ends[-1] = max(merged.ends[-1], end)
            else:
                merged.starts.append(start)
                merged.ends.append(end)
        return merged

    def covers(self, start: float, end: float) -> bool:
        index = bisect_right(self.starts, start) - 1
        return index >= 0 and self.ends[index] >= end

    def overlaps(self, start: float, end: float) -> bool:
        index = bisect_right(self.starts, end) - 1
        if index >= 0 and self.starts[index] == end:
            index -= 1
        return index >= 0 and self.ends[index] > start

    def minus(self, other: "Intervals") -> "Intervals":
        """These spans with ``other``'s taken out (both sorted and merged)."""
        result = Intervals()
        j, count = 0, len(other.starts)
        for start, end in zip(self.starts, self.ends, strict=True):
            while j < count and other.ends[j] <= start:
                j += 1
            k, cursor = j, start
            while k < count and other.starts[k] < end:
                if other.starts[k] > cursor:
                    result.starts.append(cursor)
                    result.ends.append(other.starts[k])
                cursor = max(cursor, other.ends[k])
                k += 1
            if cursor < end:
                result.starts.append(cursor)
                result.ends.append(end)
        return result

    def cover_flags(self, spans: list[tuple[float, float]]) -> list[bool]:
        """For spans sorted by start: whether one of these spans covers each (a single sweep)."""
        flags = []
        j, count = 0, len(self.starts)
        for start, end in spans:
            while j + 1 < count and self.starts[j + 1] <= start:
                j += 1
            flags.append(count > 0 and self.starts[j] <= start and self.ends[j] >= end)
        return flags
