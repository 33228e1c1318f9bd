from django.db import models

from accounts.normalize import normalize_domain, normalize_email


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
