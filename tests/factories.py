from __future__ import annotations

import factory
from allauth.account.models import EmailAddress

from accounts.models import Organisation, User

PASSWORD = "correct-horse-battery-staple"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Test Organisation {n}")
    short_name = factory.Sequence(lambda n: f"TO{n}")
    slug = factory.Sequence(lambda n: f"test-org-{n}")
    country = "EE"
    partner_group = Organisation.PartnerGroup.NATO_ALLY


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    full_name = factory.Faker("name")
    organisation = factory.SubFactory(OrganisationFactory)
    role = User.Role.MEMBER

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or PASSWORD)
        if create:
            self.save(update_fields=["password"])
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


class CaseStudyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "practices.CaseStudy"
        skip_postgeneration_save = True

    organisation = factory.SubFactory(OrganisationFactory)
    title = factory.Sequence(lambda n: f"Case study {n}")
    summary = "A fictional incident for tests."
    status = "published"
    tlp = "green"

    @factory.post_generation
    def recipients(self, create, extracted, **kwargs):
        if create and extracted:
            self.recipients.set(extracted)

    @factory.post_generation
    def terms(self, create, extracted, **kwargs):
        if create and extracted:
            self.terms.set(extracted)
