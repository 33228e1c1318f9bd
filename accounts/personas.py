"""What a job title says about a person: their function and their seniority.

The values are stored on `Contact` (`persona_function`, `persona_seniority`), matched by the
scoring rules of kind "seniority" and grouped by in metrics; people read the labels."""

from django.db import models


class Function(models.TextChoices):
    EXECUTIVE = "executive", "Executive"
    FINANCE = "finance", "Finance"
    IT_ENGINEERING = "it_engineering", "IT & engineering"
    MARKETING = "marketing", "Marketing"
    SALES = "sales", "Sales"
    OPERATIONS = "operations", "Operations"
    HR = "hr", "HR"
    PRODUCT = "product", "Product"
    STUDENT = "student", "Student"
    OTHER = "other", "Other"


class Seniority(models.TextChoices):
    C_LEVEL = "c_level", "C-level"
    VP = "vp", "VP"
    DIRECTOR = "director", "Director"
    MANAGER = "manager", "Manager"
    INDIVIDUAL = "individual", "Individual contributor"
    STUDENT = "student", "Student"


def function_label(value: str) -> str:
    """What people read for a stored function (a value no longer offered reads as itself)."""
    return (
        Function(value).label if value in Function.values else value.replace("_", " ").capitalize()
    )
