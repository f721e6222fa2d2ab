"""Step definitions of features/sign_in.feature; `scenarios` turns each scenario into a test."""

from pytest_bdd import given, parsers, scenarios, then, when
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

scenarios("sign_in.feature")


@given("the sign-in page is open", target_fixture="sign_in_page")
def sign_in_page(qatron_page):
    return qatron_page("/sign-in.html")


@when(parsers.parse('I sign in as "{name}"'))
def sign_in(sign_in_page, name):
    sign_in_page.find_element(By.ID, "name").send_keys(name)
    sign_in_page.find_element(By.ID, "password").send_keys("correct horse battery staple")
    sign_in_page.find_element(By.ID, "submit").click()


@then(parsers.parse('the page says "{text}"'))
def page_says(sign_in_page, text):
    # The greeting is drawn by the page's script: wait for it rather than race it on a busy Grid.
    welcome = WebDriverWait(sign_in_page, 10).until(expected_conditions.visibility_of_element_located((By.ID, "welcome")))
    assert welcome.text == text
