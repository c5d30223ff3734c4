"""Rules as code: pure Python, no Django, nothing else of minzheng.

`assess(request)` answers for one household with reasons and a full trace; `screen(persons,
households, as_of)` computes the same formulas for a whole population. Parameters are dated YAML
under `parameters/`, formulas are in `programs/`, the YAML cases in `cases/`.
"""

from minzheng.rules.assess import ScreenResult, assess, screen
from minzheng.rules.engine import MissingInputError
from minzheng.rules.parameters import ParameterMissingError, all_parameters, parameters_at
from minzheng.rules.programs import PROGRAM_CODES, PROGRAMS
from minzheng.rules.request import RequestError, RequestIssue

__all__ = [
    "PROGRAMS",
    "PROGRAM_CODES",
    "MissingInputError",
    "ParameterMissingError",
    "RequestError",
    "RequestIssue",
    "ScreenResult",
    "all_parameters",
    "assess",
    "parameters_at",
    "screen",
]
