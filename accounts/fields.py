from django.db import models

from accounts.normalize import (
    acronym,
    company_key,
    name_digits,
    normalize_domain,
    normalize_email,
)


class NormalizedCharField(models.CharField):
    """A CharField that normalises on save and in lookups, so every write path agrees."""

    normalizer = staticmethod(lambda value: value)

    def pre_save(self, model_instance, add):
        value = self.normalizer(getattr(model_instance, self.attname))
        setattr(model_instance, self.attname, value)
        return value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return self.normalizer(value) if isinstance(value, str) else value

    def to_python(self, value):
        value = super().to_python(value)
        return self.normalizer(value) if isinstance(value, str) else value


class DomainField(NormalizedCharField):
    """A company domain: bare lower-case host; blank is stored as NULL so it stays unique."""

    normalizer = staticmethod(lambda value: normalize_domain(value) or None)


class NormalizedEmailField(NormalizedCharField, models.EmailField):
    """An email address: trimmed and lower case; blank is stored as NULL so it stays unique."""

    normalizer = staticmethod(lambda value: normalize_email(value) or None)


class DerivedCharField(NormalizedCharField):
    """A column computed from another field of the row on every save, bulk_create and COPY
    insert (each calls pre_save), so no write path can leave it stale. Lookups take the value
    as given: a query already holds the derived form."""

    derive = staticmethod(lambda value: value)

    def __init__(self, *args, source: str = "name", **kwargs):
        self.source = source
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        value = self.derive(getattr(model_instance, self.source))[: self.max_length]
        setattr(model_instance, self.attname, value)
        return value

    def get_prep_value(self, value):
        return models.CharField.get_prep_value(self, value)

    def to_python(self, value):
        return models.CharField.to_python(self, value)


class CompanyKeyField(DerivedCharField):
    """The normalised company name matching reads (accounts.normalize.company_key)."""

    derive = staticmethod(company_key)


class AcronymField(DerivedCharField):
    """The initials of the company name (accounts.normalize.acronym)."""

    derive = staticmethod(acronym)


class NameDigitsField(DerivedCharField):
    """The numbers in the company name (accounts.normalize.name_digits)."""

    derive = staticmethod(name_digits)
