import factory
from factory.django import DjangoModelFactory

from shop.accounts.models import Address, User

PASSWORD = "correct-horse-battery-staple"


class UserFactory(DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"customer{n}@example.in")
    full_name = factory.Faker("name", locale="en_IN")
    phone = factory.Sequence(lambda n: f"+9198{n:08d}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj: User, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            obj.save()


class AddressFactory(DjangoModelFactory[Address]):
    class Meta:
        model = Address

    user = factory.SubFactory(UserFactory)
    name = factory.Faker("name", locale="en_IN")
    phone = factory.Sequence(lambda n: f"+9197{n:08d}")  # the rider's number to call
    line1 = "12, 3rd Cross, Indiranagar"
    city = "Bengaluru"
    state = "Karnataka"
    pincode = "560038"
