"""What the tests share: plain constants, builders and context managers, never tests.

Test modules and ``conftest.py`` files import from here and never from one another
(``tests/test_layout.py`` checks it); the fixtures stay in the ``conftest.py`` files.
"""
