"""A practitioner's own people: the persons they work with now, and the flags that
changed on them since they last looked (docs/involvements.md#the-practitioners-home-page).

It sits above the involvement index and flags, which it reads, and reads every name and
flag through the disclosure layer.
"""

from joinedup.caseload.mine import (
    FIRST_LOOK,
    SHOWN,
    FlagChange,
    MyPeople,
    MyPerson,
    my_people,
)

__all__ = ["FIRST_LOOK", "SHOWN", "FlagChange", "MyPeople", "MyPerson", "my_people"]
